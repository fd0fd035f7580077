"""Review of an analysis's preliminary values: accept, edit (with a reason) or reject (with a reason).

One unit of work per review on the patient's stream: ``expected_version`` is the version the
reviewer saw (ConcurrencyConflict, 409, when the record moved on). Who may review is who may
write clinical content for the patient: the rule of notes and measurements (the patient's care
team and the practice's administrator; 404 for anyone else). The reviewer's name and
credentials are those of their staff record, as on a signed note.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.utils import timezone

from clinic.domain import commands as c
from clinic.services.patients import Written, run_patient_command
from clinic.services.visits import signer_of


def analysis_value_review(
    *,
    user: Any,
    patient_id: UUID,
    analysis_id: UUID,
    index: int,
    decision: str,
    value: float | None = None,
    reason: str = "",
    expected_version: int | None,
) -> Written:
    """Record the reviewer's ``decision`` (``accept``, ``edit`` or ``reject``) on the value at
    ``index`` of the analysis's values; returns the analysis id and the stream's new version."""
    name, credentials = signer_of(user)
    command = c.ReviewAnalysisValue(
        analysis_id=analysis_id,
        index=index,
        decision=decision,
        value=value,
        reason=reason,
        reviewer_id=user.pk,
        reviewer_name=name,
        reviewer_credentials=credentials,
        now=timezone.now(),
    )
    result = run_patient_command(
        user, patient_id, command, action="analysis_review", expected_version=expected_version
    )
    return Written(analysis_id, result.last_version)
