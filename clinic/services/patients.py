"""Patient services: registration, care team, plan of care, discharge, erasure.

Every function takes the acting ``user`` and checks access before deciding: a patient
the user may not see is NotVisible (404); an action their role does not allow is
Forbidden (403). Each read or write of patient data is written to the access log.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from clinic import blobs
from clinic.access import keys
from clinic.access import log as access_log
from clinic.access.policy import ADMIN, Forbidden, NotVisible, can_see, require_admin, staff_member
from clinic.domain import commands as c
from clinic.domain import limits
from clinic.domain.decide import decide_patient
from clinic.domain.errors import InvalidValue
from clinic.domain.events import Diagnosis, GoalOutcome
from clinic.domain.patients import PatientState, evolve
from clinic.eventstore.context import execution_context
from clinic.eventstore.store import AppendResult
from clinic.projections.models import StaffMember
from clinic.services.actors import actor_of
from clinic.services.streams import execute, patient_stream, patient_unit

CONTACT_FIELDS = ("phone", "email", "address")
# Contact details are sealed before the domain sees them, so their bounds are checked here.
CONTACT_LIMITS = {"phone": limits.PHONE_CHARS, "email": limits.EMAIL_CHARS, "address": limits.ADDRESS_CHARS}


@dataclass(frozen=True)
class Written:
    """What a write produced: the new object's id (if any) and the stream's new version."""

    id: UUID
    version: int


@contextmanager
def patient_access(user: Any, patient_id: UUID, action: str) -> Iterator[None]:
    """Check that ``user`` sees the patient and log the access with its outcome."""
    if not can_see(user, patient_id):
        access_log.record(
            user=user, action=action, object_type="patient", object_id=patient_id, outcome="denied"
        )
        raise NotVisible(f"patient {patient_id} not found")
    with execution_context(actor=getattr(user, "username", "system") or "system"):
        try:
            yield
        except Exception as exc:
            outcome = "denied" if isinstance(exc, Forbidden) else "failed"
            access_log.record(
                user=user, action=action, object_type="patient", object_id=patient_id, outcome=outcome
            )
            raise
    access_log.record(user=user, action=action, object_type="patient", object_id=patient_id)


def _execute(patient_id: UUID, command: c.Command, *, expected_version: int | None) -> AppendResult:
    """Decide ``command`` against the patient's stream and append what it decides."""
    return execute(
        patient_stream(patient_id),
        command,
        evolve=evolve,
        initial=PatientState(),
        decide=decide_patient,
        expected_version=expected_version,
    )


def run_patient_command(
    user: Any,
    patient_id: UUID,
    command: c.Command,
    *,
    action: str,
    expected_version: int | None,
    admin_only: bool = False,
) -> AppendResult:
    """Check visibility (404) first, then the role (403), then decide (as the user's actor: the
    domain refuses clinical content from a non-clinician) and append."""
    with patient_access(user, patient_id, action):
        if admin_only:
            require_admin(user)
        return _execute(patient_id, replace(command, actor=actor_of(user)), expected_version=expected_version)


def patient_register(
    *,
    user: Any,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    sex: str,
    diagnoses: Sequence[tuple[str, str]],
    referring_physician: str,
    payer: str,
    payer_member_id: str = "",
    contact: dict[str, str] | None = None,
    therapist_ids: Sequence[int] = (),
) -> Written:
    """Register a patient in the user's practice. A therapist who registers is assigned."""
    staff = staff_member(user)
    if staff is None:
        raise Forbidden("only practice staff may register patients")
    patient_id = uuid.uuid4()
    assign = list(therapist_ids) if staff.role == ADMIN else [staff.user_id, *therapist_ids]
    contact_clean = {
        k: limits.check_text(
            str((contact or {}).get(k, "")),
            field=f"contact.{k}",
            label=f"the {k}",
            max_chars=CONTACT_LIMITS[k],
        )
        for k in CONTACT_FIELDS
    }
    names = {therapist_id: _check_colleague(staff.practice_id, therapist_id) for therapist_id in assign}
    with transaction.atomic(), execution_context(actor=user.username):
        keys.create_key(patient_id)
        command = c.RegisterPatient(
            patient_id=patient_id,
            practice_id=staff.practice_id,
            given_name=given_name,
            family_name=family_name,
            date_of_birth=date_of_birth,
            sex=sex,
            contact_sealed=keys.seal_json(patient_id, contact_clean),
            diagnoses=tuple(Diagnosis(code=code, description=desc) for code, desc in diagnoses),
            referring_physician=referring_physician,
            payer=payer,
            payer_member_id=payer_member_id,
            today=timezone.localdate(),
        )
        result = _execute(patient_id, command, expected_version=0)
        for therapist_id, name in names.items():
            result = _execute(
                patient_id,
                c.AssignTherapist(therapist_id=therapist_id, therapist_name=name),
                expected_version=result.last_version,
            )
    access_log.record(user=user, action="create", object_type="patient", object_id=patient_id)
    return Written(patient_id, result.last_version)


def _check_colleague(practice_id: UUID, therapist_id: int) -> str:
    """The therapist's display name, if they work in the practice."""
    staff = StaffMember.objects.filter(user_id=therapist_id, practice_id=practice_id).first()
    if staff is None:
        raise InvalidValue(
            "the therapist does not work in this practice", code="unknown_therapist", field="therapist_id"
        )
    return staff.display_name


def patient_assign_therapist(
    *, user: Any, patient_id: UUID, therapist_id: int, expected_version: int | None
) -> Written:
    with patient_access(user, patient_id, "assign"):
        staff = require_admin(user)
        name = _check_colleague(staff.practice_id, therapist_id)
        result = _execute(
            patient_id,
            c.AssignTherapist(therapist_id=therapist_id, therapist_name=name),
            expected_version=expected_version,
        )
    return Written(patient_id, result.last_version)


def patient_unassign_therapist(
    *, user: Any, patient_id: UUID, therapist_id: int, expected_version: int | None
) -> Written:
    result = run_patient_command(
        user,
        patient_id,
        c.UnassignTherapist(therapist_id=therapist_id),
        action="unassign",
        expected_version=expected_version,
        admin_only=True,
    )
    return Written(patient_id, result.last_version)


def plan_of_care_establish(
    *,
    user: Any,
    patient_id: UUID,
    certification_start: date,
    certification_end: date,
    frequency_per_week: int,
    duration_weeks: int,
    interventions: str = "",
    physician_name: str = "",
    physician_npi: str = "",
    certification_received_on: date | None = None,
    expected_version: int | None,
) -> Written:
    """Write a plan of care; with the physician's name, NPI and the date their signed
    certification was received, record that certification in the same append (a plan without
    them awaits certification, and treating under it raises a caseload alert)."""
    actor = actor_of(user)
    today = timezone.localdate()
    command = c.EstablishPlanOfCare(
        certification_start=certification_start,
        certification_end=certification_end,
        frequency_per_week=frequency_per_week,
        duration_weeks=duration_weeks,
        interventions=interventions,
        today=today,
        actor=actor,
    )
    certify = any((physician_name.strip(), physician_npi.strip(), certification_received_on))
    with (
        patient_access(user, patient_id, "plan_of_care"),
        patient_unit(patient_id, expected_version=expected_version) as unit,
    ):
        unit.decide(command)
        if certify:
            unit.decide(_certification(actor, command.plan_id, physician_name, physician_npi,
                                       certification_received_on, today))  # fmt: skip
    return Written(command.plan_id, unit.version)


def _certification(
    actor: Any, plan_id: UUID | None, name: str, npi: str, received_on: date | None, today: date
) -> c.CertifyPlanOfCare:
    if received_on is None:
        raise InvalidValue(
            "give the date the physician's signed certification was received",
            code="required",
            field="certification_received_on",
        )
    return c.CertifyPlanOfCare(
        physician_name=name, physician_npi=npi, received_on=received_on, today=today, plan_id=plan_id,
        actor=actor,
    )  # fmt: skip


def plan_of_care_certify(
    *,
    user: Any,
    patient_id: UUID,
    physician_name: str,
    physician_npi: str,
    certification_received_on: date | None,
    plan_id: UUID | None = None,
    expected_version: int | None,
) -> Written:
    """Record the physician's signed certification of the current plan of care (or ``plan_id``)."""
    command = _certification(
        actor_of(user), plan_id, physician_name, physician_npi, certification_received_on,
        timezone.localdate(),
    )  # fmt: skip
    result = run_patient_command(
        user, patient_id, command, action="plan_of_care_certify", expected_version=expected_version
    )
    return Written(command.plan_id or patient_id, result.last_version)


def patient_discharge(
    *,
    user: Any,
    patient_id: UUID,
    discharged_on: date,
    reason: str,
    goal_outcomes: Sequence[tuple[UUID, str, str]] = (),
    recommendations: str = "",
    home_programme: str = "",
    expected_version: int | None,
) -> Written:
    """Discharge with a discharge summary; ``goal_outcomes`` are (goal id, FHIR goal-achievement
    code, comment), one for each goal still open."""
    command = c.DischargePatient(
        discharged_on=discharged_on,
        reason=reason,
        goal_outcomes=tuple(
            GoalOutcome(goal_id=goal_id, achievement_status=status, comment=comment)
            for goal_id, status, comment in goal_outcomes
        ),
        recommendations=recommendations,
        home_programme=home_programme,
        today=timezone.localdate(),
    )
    result = run_patient_command(
        user, patient_id, command, action="discharge", expected_version=expected_version
    )
    return Written(patient_id, result.last_version)


def patient_erase_pii(*, user: Any, patient_id: UUID, reason: str) -> Written:
    """Crypto-shred the patient's personal data: destroy the key, record the erasure as an event.

    Both happen in one transaction, so the record never claims an erasure that did not
    happen, nor loses a key without saying so.
    """
    with patient_access(user, patient_id, "erase_pii"), transaction.atomic():
        require_admin(user)
        result = _execute(
            patient_id, c.ErasePatientPii(reason=reason, now=timezone.now()), expected_version=None
        )
        keys.destroy_key(patient_id)
        # The sealed files are unreadable from here on; remove them once that is committed.
        transaction.on_commit(lambda: blobs.erase_patient_files(patient_id))
    return Written(patient_id, result.last_version)
