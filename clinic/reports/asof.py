"""A patient record as it stood at the end of a day: what a document dated that day may show.

A document is a statement about its date of service (an evaluation) or the end of its reporting
period (a progress report, a discharge summary). It shows only visits and measurements up to that
date, the goals that existed then with their values, progress and statuses at that date, the
certification period in effect then, and visit counts up to it. So regenerating an old document
after later visits gives the same content. Pure: no Django.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import UUID

from clinic.domain.patients import GoalState
from clinic.domain.progress import standing
from clinic.domain.vocabulary import REPORTING_VISIT_TYPES
from clinic.reports.model import CertificationPeriod, Goal, Measurement, PatientRecord


def certification_on(periods: tuple[CertificationPeriod, ...], day: date) -> CertificationPeriod | None:
    """The period in effect on ``day``: the one containing it (the latest established, when
    several do), else the latest that started before it; None when none had started."""
    started = [p for p in periods if p.start <= day]
    containing = [p for p in started if day <= p.end]
    if containing:
        return containing[-1]
    return max(started, key=lambda p: p.start) if started else None


def _goal_on(goal: Goal, measurements: tuple[Measurement, ...], day: date) -> Goal:
    starts = goal.starts_on or goal.set_on
    values = [
        (m.measured_on, m.value)
        for m in measurements
        if m.metric == goal.metric
        and starts <= m.measured_on <= day
        and not (goal.baseline_visit_id and m.visit_id == goal.baseline_visit_id)
    ]
    lifecycle = goal.lifecycle_status
    if goal.lifecycle_history:
        effective = [status for since, status in goal.lifecycle_history if since <= day]
        lifecycle = effective[-1] if effective else goal.lifecycle_history[0][1]
    state = GoalState(
        goal_id=UUID(int=0), metric=goal.metric, target=goal.target, comparator=goal.comparator,
        lifecycle_status=lifecycle,
    )  # fmt: skip
    now = standing(state, baseline=goal.baseline, values=values)
    return replace(
        goal,
        lifecycle_status=lifecycle,
        latest_value=now.latest_value,
        latest_on=now.latest_on,
        progress_percent=now.progress_percent,
        achievement_status=now.achievement_status,
    )


def as_of(record: PatientRecord, *, day: date) -> PatientRecord:
    """``record`` restricted to what was known at the end of ``day``."""
    visits = tuple(v for v in record.visits if v.visit_date <= day)
    measurements = tuple(m for m in record.measurements if m.measured_on <= day)
    goals = tuple(_goal_on(g, measurements, day) for g in record.goals if (g.starts_on or g.set_on) <= day)
    if record.certifications:
        period = certification_on(record.certifications, day)
    elif record.certification_start and record.certification_start <= day:
        period = CertificationPeriod(
            start=record.certification_start,
            end=record.certification_end or record.certification_start,
            frequency_per_week=record.frequency_per_week or 0,
            duration_weeks=record.duration_weeks or 0,
        )
    else:
        period = None
    last_report = max((i for i, v in enumerate(visits) if v.visit_type in REPORTING_VISIT_TYPES), default=-1)
    discharged = record.discharged_on is not None and record.discharged_on <= day
    return replace(
        record,
        visits=visits,
        measurements=measurements,
        preliminary=tuple(m for m in record.preliminary if m.measured_on <= day),
        goals=goals,
        certification_start=period.start if period else None,
        certification_end=period.end if period else None,
        frequency_per_week=period.frequency_per_week if period else None,
        duration_weeks=period.duration_weeks if period else None,
        certifications=tuple(p for p in record.certifications if p.start <= day),
        visits_since_report=sum(1 for v in visits[last_report + 1 :] if v.visit_type == "treatment"),
        status=record.status if discharged or record.status != "discharged" else "active",
        discharged_on=record.discharged_on if discharged else None,
        discharge=record.discharge if discharged else None,
    )
