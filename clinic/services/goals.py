"""Goal services: set a goal (its baseline from a visit's measurement) and change its lifecycle."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.utils import timezone

from clinic.domain import commands as c
from clinic.domain.errors import InvalidValue
from clinic.domain.vocabulary import metric as metric_of
from clinic.projections.models import VisitView
from clinic.services.patients import Written, run_patient_command


def goal_set(
    *,
    user: Any,
    patient_id: UUID,
    metric: str,
    target: float,
    comparator: str,
    due_date: date,
    unit: str | None = None,
    baseline: float | None = None,
    baseline_visit_id: UUID | None = None,
    description: str = "",
    lifecycle_status: str = "active",
    expected_version: int | None,
) -> Written:
    """Set a goal. With ``baseline_visit_id`` and no ``baseline``, the baseline is the value of
    ``metric`` measured at that visit (the latest one if it was measured more than once)."""
    if baseline is None and baseline_visit_id is not None:
        baseline = _measured_at(patient_id, baseline_visit_id, metric)
    command = c.SetGoal(
        metric=metric,
        description=description,
        unit=unit if unit is not None else metric_of(metric).unit,
        target=target,
        comparator=comparator,
        due_date=due_date,
        baseline=baseline,
        baseline_visit_id=baseline_visit_id,
        lifecycle_status=lifecycle_status,
        today=timezone.localdate(),
    )
    result = run_patient_command(
        user, patient_id, command, action="goal_set", expected_version=expected_version
    )
    return Written(command.goal_id, result.last_version)


def _measured_at(patient_id: UUID, visit_id: UUID, metric: str) -> float:
    visit = VisitView.objects.filter(patient_id=patient_id, visit_id=visit_id).first()
    values = [m["value"] for m in (visit.measurements if visit else []) if m["metric"] == metric]
    if not values:
        raise InvalidValue(
            f"the baseline visit has no {metric_of(metric).label.lower()} measurement",
            code="no_baseline_measurement",
            field="baseline_visit_id",
        )
    return float(values[-1])


def goal_change_lifecycle(
    *,
    user: Any,
    patient_id: UUID,
    goal_id: UUID,
    lifecycle_status: str,
    reason: str = "",
    expected_version: int | None,
) -> Written:
    command = c.ChangeGoalLifecycle(goal_id=goal_id, lifecycle_status=lifecycle_status, reason=reason)
    result = run_patient_command(
        user, patient_id, command, action="goal_update", expected_version=expected_version
    )
    return Written(goal_id, result.last_version)


def goal_revise(
    *,
    user: Any,
    patient_id: UUID,
    goal_id: UUID,
    target: float,
    comparator: str,
    due_date: date,
    description: str = "",
    reason: str = "",
    expected_version: int | None,
) -> Written:
    """A new target, comparator, due date or wording for an open goal; metric and baseline stay."""
    command = c.ReviseGoal(
        goal_id=goal_id,
        target=target,
        comparator=comparator,
        due_date=due_date,
        description=description,
        reason=reason,
        today=timezone.localdate(),
    )
    result = run_patient_command(
        user, patient_id, command, action="goal_update", expected_version=expected_version
    )
    return Written(goal_id, result.last_version)
