"""Visit services: record a visit, write, sign and amend its SOAP note, record a measurement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from django.utils import timezone

from clinic.domain import commands as c
from clinic.domain.errors import InvalidValue
from clinic.domain.events import SoapNote
from clinic.domain.visits import ATTESTATION
from clinic.domain.vocabulary import metric as metric_of
from clinic.projections.models import StaffMember
from clinic.services.patients import Written, run_patient_command


def visit_record(
    *,
    user: Any,
    patient_id: UUID,
    visit_type: str,
    visit_date: date,
    therapist_id: int | None = None,
    expected_version: int | None,
) -> Written:
    command = c.RecordVisit(
        visit_type=visit_type,
        therapist_id=therapist_id if therapist_id is not None else user.pk,
        visit_date=visit_date,
        today=timezone.localdate(),
    )
    result = run_patient_command(
        user, patient_id, command, action="visit_record", expected_version=expected_version
    )
    return Written(command.visit_id, result.last_version)


def visit_note_write(
    *,
    user: Any,
    patient_id: UUID,
    visit_id: UUID,
    subjective: str = "",
    objective: str = "",
    assessment: str = "",
    plan: str = "",
    expected_version: int | None,
) -> Written:
    note = SoapNote(subjective=subjective, objective=objective, assessment=assessment, plan=plan)
    result = run_patient_command(
        user,
        patient_id,
        c.WriteVisitNote(visit_id=visit_id, note=note),
        action="note_write",
        expected_version=expected_version,
    )
    return Written(visit_id, result.last_version)


def measurement_record(
    *,
    user: Any,
    patient_id: UUID,
    visit_id: UUID,
    metric: str,
    value: float,
    unit: str | None = None,
    side: str = "",
    method: str = "clinician",
    expected_version: int | None,
) -> Written:
    command = c.RecordMeasurement(
        visit_id=visit_id,
        metric=metric,
        value=value,
        unit=unit if unit is not None else metric_of(metric).unit,
        side=side,
        method=method,
    )
    result = run_patient_command(
        user, patient_id, command, action="measurement_record", expected_version=expected_version
    )
    return Written(command.measurement_id, result.last_version)


def signer_of(user: Any) -> tuple[str, str]:
    """The name and credentials a signature or review carries: the user's staff record's."""
    staff = StaffMember.objects.filter(user_id=user.pk).first()
    name = staff.display_name if staff else (user.get_full_name() or user.username)
    return name, staff.credentials if staff else ""


def attestation_of(attest: bool) -> str:
    """The attestation statement a signature records, when the signer confirmed it."""
    return ATTESTATION if attest else ""


def visit_note_sign(
    *, user: Any, patient_id: UUID, visit_id: UUID, attest: bool, expected_version: int | None
) -> Written:
    """Sign and lock the note; ``attest``: the signer confirmed :data:`ATTESTATION` (required)."""
    name, credentials = signer_of(user)
    command = c.SignVisitNote(
        visit_id=visit_id,
        signer_id=user.pk,
        signer_name=name,
        credentials=credentials,
        now=timezone.now(),
        attestation=attestation_of(attest),
    )
    result = run_patient_command(
        user, patient_id, command, action="note_sign", expected_version=expected_version
    )
    return Written(visit_id, result.last_version)


def visit_note_amend(
    *,
    user: Any,
    patient_id: UUID,
    visit_id: UUID,
    reason: str,
    subjective: str = "",
    objective: str = "",
    assessment: str = "",
    plan: str = "",
    attest: bool,
    reviews: Sequence[dict[str, Any]] = (),
    expected_version: int | None,
) -> Written:
    """A signed amendment of a signed note (``attest`` as for signing). ``reviews``: decisions on
    machine values of the visit that arrived after signing, each ``{"analysis_id", "index",
    "decision", "value", "reason"}``; the accepted and edited ones are recorded by this amendment."""
    note = SoapNote(subjective=subjective, objective=objective, assessment=assessment, plan=plan)
    name, credentials = signer_of(user)
    command = c.AmendVisitNote(
        visit_id=visit_id,
        reason=reason,
        note=note,
        amended_by=user.pk,
        now=timezone.now(),
        signer_name=name,
        credentials=credentials,
        attestation=attestation_of(attest),
        reviews=tuple(_value_review(r) for r in reviews),
    )
    result = run_patient_command(
        user, patient_id, command, action="note_amend", expected_version=expected_version
    )
    return Written(command.amendment_id, result.last_version)


def _value_review(data: dict[str, Any]) -> c.ValueReview:
    try:
        return c.ValueReview(
            analysis_id=UUID(str(data["analysis_id"])),
            index=int(data["index"]),
            decision=str(data["decision"]),
            value=None if data.get("value") in (None, "") else float(data["value"]),
            reason=str(data.get("reason") or ""),
        )
    except (KeyError, TypeError, ValueError):
        raise InvalidValue(
            "each reviewed value needs its analysis, index and decision",
            code="invalid_review",
            field="reviews",
        ) from None
