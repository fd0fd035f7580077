"""Outcome services: score a standard questionnaire at a visit (the score becomes a measurement)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from clinic.domain import commands as c
from clinic.services.patients import Written, run_patient_command


def questionnaire_score(
    *,
    user: Any,
    patient_id: UUID,
    visit_id: UUID,
    instrument: str,
    responses: Sequence[int | None],
    side: str = "",
    expected_version: int | None,
) -> Written:
    command = c.ScoreQuestionnaire(
        visit_id=visit_id, instrument=instrument, responses=tuple(responses), side=side
    )
    result = run_patient_command(
        user, patient_id, command, action="questionnaire_score", expected_version=expected_version
    )
    return Written(command.measurement_id, result.last_version)
