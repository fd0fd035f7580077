"""The demo practice's outcome questionnaires and clinician-measured values
(``fixtures/demo_outcomes.json``), recorded through the services at their visits."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings

from clinic.services import goals, outcomes, visits

OUTCOMES = Path(settings.BASE_DIR) / "fixtures" / "demo_outcomes.json"


def load_outcomes(path: Path = OUTCOMES) -> dict[str, Any]:
    """Per patient family name: ``goals``, and ``questionnaires``/``manual`` by visit index."""
    patients: dict[str, Any] = json.loads(path.read_text())["patients"]
    return patients


def record_at_visit(
    outcome: dict[str, Any] | None,
    *,
    index: int,
    user: Any,
    patient_id: UUID,
    visit_id: UUID,
    day: Callable[[int], date],
    version: int,
    due_by_day: int | None = None,
) -> int:
    """Record what ``outcome`` holds for the visit at ``index`` (goals at the first visit, due by
    ``due_by_day`` at the latest: the end of the plan of care in force); returns the stream's new
    version."""
    if not outcome:
        return version
    key = str(index)
    for q in outcome.get("questionnaires", {}).get(key, []):
        version = outcomes.questionnaire_score(
            user=user, patient_id=patient_id, visit_id=visit_id, instrument=q["instrument"],
            responses=q["responses"], expected_version=version,
        ).version  # fmt: skip
    for m in outcome.get("manual", {}).get(key, []):
        version = visits.measurement_record(
            user=user, patient_id=patient_id, visit_id=visit_id, metric=m["metric"], value=m["value"],
            side=m.get("side", ""), method=m["method"], expected_version=version,
        ).version  # fmt: skip
    if index == 0:
        for g in outcome.get("goals", []):
            version = goals.goal_set(
                user=user, patient_id=patient_id, metric=g["metric"], baseline=g["baseline"], target=g["target"],
                comparator=g["comparator"],
                due_date=day(g["due_day"] if due_by_day is None else min(g["due_day"], due_by_day)), baseline_visit_id=visit_id,
                expected_version=version,
            ).version  # fmt: skip
    return version
