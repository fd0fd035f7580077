"""Visit services: record a visit, write, sign and amend its SOAP note, record a measurement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from django.utils import timezone

from clinic.domain import commands as c
from clinic.domain.errors import InvalidState, InvalidValue
from clinic.domain.events import ProcedureMinutes, SoapNote
from clinic.domain.patients import PatientState
from clinic.domain.patients import evolve as evolve_patient
from clinic.domain.roles import Actor
from clinic.domain.visits import ATTESTATION
from clinic.domain.vocabulary import metric as metric_of
from clinic.eventstore.errors import ConcurrencyConflict
from clinic.services.actors import actor_of
from clinic.services.patients import Written, patient_access, run_patient_command
from clinic.services.streams import load, patient_stream, patient_unit


class AlreadyRecorded(InvalidState):
    """The same visit form arrived twice (a double click, a resent page): it was stored once."""


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
    prognosis: str = "",
    expected_version: int | None,
) -> Written:
    note = SoapNote(
        subjective=subjective, objective=objective, assessment=assessment, plan=plan, prognosis=prognosis
    )
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
    actor = actor_of(user)
    return actor.name, actor.credentials


def attestation_of(attest: bool) -> str:
    """The attestation statement a signature records, when the signer confirmed it."""
    return ATTESTATION if attest else ""


def _signature(actor: Actor, *, visit_id: UUID, attest: bool) -> c.SignVisitNote:
    """The command that signs a visit's note as ``actor``, now."""
    return c.SignVisitNote(
        visit_id=visit_id,
        signer_id=actor.user_id,
        signer_name=actor.name,
        credentials=actor.credentials,
        now=timezone.now(),
        attestation=attestation_of(attest),
        actor=actor,
    )


def visit_note_sign(
    *, user: Any, patient_id: UUID, visit_id: UUID, attest: bool, expected_version: int | None
) -> Written:
    """Sign and lock the note; ``attest``: the signer confirmed :data:`ATTESTATION` (required)."""
    command = _signature(actor_of(user), visit_id=visit_id, attest=attest)
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
    prognosis: str = "",
    attest: bool,
    reviews: Sequence[dict[str, Any]] = (),
    expected_version: int | None,
) -> Written:
    """A signed amendment of a signed note (``attest`` as for signing). ``reviews``: decisions on
    machine values of the visit that arrived after signing, each ``{"analysis_id", "index",
    "decision", "value", "reason"}``; the accepted and edited ones are recorded by this amendment."""
    note = SoapNote(
        subjective=subjective, objective=objective, assessment=assessment, plan=plan, prognosis=prognosis
    )
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


def _procedures(lines: Sequence[tuple[str, int]]) -> tuple[ProcedureMinutes, ...]:
    return tuple(ProcedureMinutes(code=code, minutes=minutes) for code, minutes in lines)


def visit_document(
    *,
    user: Any,
    patient_id: UUID,
    visit_type: str,
    visit_date: date,
    subjective: str = "",
    objective: str = "",
    assessment: str = "",
    plan: str = "",
    prognosis: str = "",
    procedures: Sequence[tuple[str, int]] = (),
    sign: bool = False,
    attest: bool = False,
    visit_id: UUID | None = None,
    expected_version: int | None,
) -> Written:
    """Record a visit with its note, its procedures (code, minutes) and, with ``sign``, its
    signature (``attest``: the signer confirmed :data:`ATTESTATION`, as for signing): one unit of
    work, so either all of it is stored or nothing is (a note refused at signing leaves no empty
    visit behind).

    ``visit_id`` is the form's own id for the visit: the same form sent twice stores the visit
    once and the second sending raises :class:`AlreadyRecorded`.
    """
    visit_id = visit_id or uuid4()
    actor = actor_of(user)
    with patient_access(user, patient_id, "visit_record"):
        try:
            with patient_unit(patient_id, expected_version=expected_version) as unit:
                unit.decide(
                    c.RecordVisit(
                        visit_id=visit_id, visit_type=visit_type, therapist_id=user.pk,
                        visit_date=visit_date, today=timezone.localdate(), actor=actor,
                    )
                )  # fmt: skip
                note = SoapNote(
                    subjective=subjective, objective=objective, assessment=assessment, plan=plan,
                    prognosis=prognosis,
                )  # fmt: skip
                if note != SoapNote():
                    unit.decide(c.WriteVisitNote(visit_id=visit_id, note=note, actor=actor))
                if procedures:
                    unit.decide(
                        c.RecordVisitProcedures(
                            visit_id=visit_id, procedures=_procedures(procedures), actor=actor
                        )
                    )
                if sign:
                    unit.decide(_signature(actor, visit_id=visit_id, attest=attest))
        except (ConcurrencyConflict, InvalidState) as exc:
            state, _ = load(patient_stream(patient_id), evolve_patient, PatientState())
            if visit_id in state.visits:
                raise AlreadyRecorded(
                    "this visit was already recorded (the form was sent twice); it is stored once",
                    code="already_recorded",
                ) from exc
            raise
    return Written(visit_id, unit.version)


def visit_procedures_record(
    *,
    user: Any,
    patient_id: UUID,
    visit_id: UUID,
    procedures: Sequence[tuple[str, int]],
    expected_version: int | None,
) -> Written:
    """Replace the procedures (code, minutes) of an unsigned visit."""
    result = run_patient_command(
        user,
        patient_id,
        c.RecordVisitProcedures(visit_id=visit_id, procedures=_procedures(procedures)),
        action="procedures_record",
        expected_version=expected_version,
    )
    return Written(visit_id, result.last_version)


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
