"""Visit services: record a visit, write, sign and amend its SOAP note, record a measurement."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.utils import timezone

from clinic.domain import commands as c
from clinic.domain.events import SoapNote
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


def visit_note_sign(*, user: Any, patient_id: UUID, visit_id: UUID, expected_version: int | None) -> Written:
    name, credentials = signer_of(user)
    command = c.SignVisitNote(
        visit_id=visit_id, signer_id=user.pk, signer_name=name, credentials=credentials, now=timezone.now()
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
    expected_version: int | None,
) -> Written:
    note = SoapNote(subjective=subjective, objective=objective, assessment=assessment, plan=plan)
    command = c.AmendVisitNote(
        visit_id=visit_id, reason=reason, note=note, amended_by=user.pk, now=timezone.now()
    )
    result = run_patient_command(
        user, patient_id, command, action="note_amend", expected_version=expected_version
    )
    return Written(command.amendment_id, result.last_version)
