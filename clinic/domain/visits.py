"""Visit decisions: recording a visit, its SOAP note, measurements, signing and amendments.

A signed note is locked: nothing attaches to a signed visit (notes, measurements, videos,
recordings, analyses) except an amendment. A correction after signing is an amendment event,
signed by its author with the attestation; the signed original stays in the stream and stays
visible. Machine values reviewed after signing enter the record through such an amendment.

Signing records the attestation the signer affirmed (:data:`ATTESTATION`) with their name,
credentials and the time.
"""

from __future__ import annotations

from uuid import UUID

from clinic.domain import limits
from clinic.domain import vocabulary as vocab
from clinic.domain.commands import (
    AmendVisitNote,
    RecordMeasurement,
    RecordVisit,
    SignVisitNote,
    WriteVisitNote,
)
from clinic.domain.errors import InvalidState, InvalidValue, NotFound, NotPermitted
from clinic.domain.events import (
    AnalysisValueReviewed,
    DomainEvent,
    MeasurementRecorded,
    SoapNote,
    VisitNoteAmended,
    VisitNoteSigned,
    VisitNoteWritten,
    VisitRecorded,
)
from clinic.domain.goals import goals_achieved
from clinic.domain.patients import PatientState, VisitState, evolve, require_open, require_unsigned
from clinic.domain.reviews import review_events, review_measurement_id

# What a clinician affirms when signing a note or an amendment (CMS Program Integrity Manual,
# ch. 3, 3.3.2.4: signature attestation of medical records).
ATTESTATION = (
    "I attest that I personally provided or supervised the services documented here, and that "
    "this record is accurate and complete to the best of my knowledge."
)

SIDES = ("", "left", "right", "bilateral")


def _visit(state: PatientState, visit_id: UUID) -> VisitState:
    visit = state.visits.get(visit_id)
    if visit is None:
        raise NotFound("no such visit for this patient", field="visit_id")
    return visit


def decide_record_visit(command: RecordVisit, state: PatientState) -> list[DomainEvent]:
    patient_id = require_open(state)
    if command.visit_type not in set(vocab.VisitType):
        raise InvalidValue(
            "visit type must be evaluation, treatment, progress_report, re_evaluation or discharge",
            code="invalid_visit_type",
            field="visit_type",
        )
    if not state.visits and command.visit_type != vocab.VisitType.EVALUATION:
        raise InvalidState("the first visit of an episode is the initial evaluation", code="evaluation_first")
    if command.visit_id in state.visits:
        raise InvalidState("a visit with this id already exists", code="visit_exists")
    if command.therapist_id not in state.therapists:
        raise InvalidState("the visit's therapist is not assigned to this patient", code="not_assigned")
    if command.visit_date > command.today:
        raise InvalidValue("the visit date is in the future", code="invalid_date", field="visit_date")
    limits.check_date(
        command.visit_date,
        field="visit_date",
        label="the visit date",
        earliest=limits.backdate_floor(command.today),
        latest=command.today,
        rule=f"at most {limits.MAX_BACKDATE_DAYS} days back",
    )
    return [
        VisitRecorded(
            patient_id=patient_id,
            visit_id=command.visit_id,
            visit_type=command.visit_type,
            therapist_id=command.therapist_id,
            visit_date=command.visit_date,
        )
    ]


def _section(text: str, name: str) -> str:
    return limits.check_text(
        text,
        field=name,
        label=f"the {name} section",
        max_chars=limits.SOAP_SECTION_CHARS,
        max_lines=limits.SOAP_SECTION_LINES,
    )


def _check_note(note: SoapNote) -> SoapNote:
    cleaned = SoapNote(
        subjective=_section(note.subjective, "subjective"),
        objective=_section(note.objective, "objective"),
        assessment=_section(note.assessment, "assessment"),
        plan=_section(note.plan, "plan"),
        prognosis=_section(note.prognosis, "prognosis"),
    )
    if not any((cleaned.subjective, cleaned.objective, cleaned.assessment, cleaned.plan)):
        raise InvalidValue("the note is empty", code="required", field="note")
    return cleaned


def decide_write_note(command: WriteVisitNote, state: PatientState) -> list[DomainEvent]:
    patient_id = require_open(state)
    visit = require_unsigned(state, command.visit_id, what="a rewritten note")
    return [VisitNoteWritten(patient_id=patient_id, visit_id=visit.visit_id, note=_check_note(command.note))]


def decide_record_measurement(command: RecordMeasurement, state: PatientState) -> list[DomainEvent]:
    """A measurement, plus an achievement event for each active goal it newly meets."""
    patient_id = require_open(state)
    visit = require_unsigned(state, command.visit_id, what="a measurement")
    metric = vocab.metric(command.metric)
    value = vocab.check_value_in_unit(metric, value=command.value, unit=command.unit, field="value")
    check_side(command.side)
    method = vocab.check_manual_method(metric, method=command.method)
    return final_value(
        state, visit, patient_id=patient_id, measurement_id=command.measurement_id, metric=metric,
        value=value, side=command.side, method=method,
    )  # fmt: skip


def check_side(side: str) -> None:
    if side not in SIDES:
        raise InvalidValue("side must be left, right, bilateral or empty", code="invalid_side", field="side")


def final_value(
    state: PatientState,
    visit: VisitState,
    *,
    patient_id: UUID,
    measurement_id: UUID,
    metric: vocab.Metric,
    value: float,
    side: str,
    method: str,
    instrument: str = "",
    responses: tuple[int | None, ...] = (),
) -> list[DomainEvent]:
    """A final value recorded at ``visit`` (checked by the caller), plus an achievement event for
    each active goal it newly meets: the one way a clinician's value enters the record."""
    recorded = MeasurementRecorded(
        patient_id=patient_id,
        visit_id=visit.visit_id,
        measurement_id=measurement_id,
        metric=metric.code,
        value=value,
        unit=metric.unit,
        measured_on=visit.visit_date,
        side=side,
        method=method,
        instrument=instrument,
        responses=responses,
    )
    return [recorded, *goals_achieved(state, metric=metric.code, value=value, visit=visit)]


def decide_sign(command: SignVisitNote, state: PatientState) -> list[DomainEvent]:
    if not state.exists or state.patient_id is None:
        raise InvalidState("no such patient", code="patient_missing")
    visit = _visit(state, command.visit_id)
    if visit.signed:
        raise InvalidState("the note is already signed", code="note_signed")
    if visit.note is None:
        raise InvalidState("write the note before signing it", code="note_missing")
    if not visit.note.assessment or not visit.note.plan:
        raise InvalidState("a note is signed with its assessment and plan", code="note_incomplete")
    if command.signer_id != visit.therapist_id:
        raise InvalidState("only the visit's therapist signs its note", code="not_visit_therapist")
    _check_attestation(command.attestation)
    if any(r.visit_id == visit.visit_id and not r.stopped for r in state.recordings.values()):
        raise InvalidState(
            "a live recording of this visit is still running; stop it before signing the note",
            code="recording_running",
        )
    return [
        VisitNoteSigned(
            patient_id=state.patient_id,
            visit_id=visit.visit_id,
            signed_by=command.signer_id,
            signer_name=command.signer_name,
            credentials=command.credentials,
            signed_at=command.now,
            attestation=command.attestation,
        )
    ]


def _check_attestation(statement: str) -> None:
    if statement.strip() != ATTESTATION:
        raise InvalidValue(
            "a note is signed with the attestation: confirm the attestation statement to sign",
            code="attestation_required",
            field="attest",
        )


def decide_amend(command: AmendVisitNote, state: PatientState) -> list[DomainEvent]:
    """A signed amendment of a signed note; with ``reviews``, the machine values it records
    (each review's events follow the amendment, their measurements carry its id)."""
    if not state.exists or state.patient_id is None:
        raise InvalidState("no such patient", code="patient_missing")
    visit = _visit(state, command.visit_id)
    if not visit.signed:
        raise InvalidState("the note is not signed yet; edit it instead", code="note_not_signed")
    actor = command.actor
    if actor is not None and actor.user_id != command.amended_by:
        raise NotPermitted("an amendment is signed by its author", code="not_author")
    reason = limits.check_text(
        command.reason, field="reason", label="the amendment reason", max_chars=limits.AMENDMENT_REASON_CHARS
    )
    if not reason:
        raise InvalidValue("an amendment needs a reason", code="required", field="reason")
    if visit.amendments >= limits.AMENDMENTS_PER_VISIT:
        raise InvalidState(
            f"the note already has {visit.amendments} amendments, the most a note may have; "
            "document the correction in a new visit",
            code="too_many_amendments",
            max_items=limits.AMENDMENTS_PER_VISIT,
        )
    _check_attestation(command.attestation)
    note = _check_note(command.note) if not command.reviews or _has_text(command.note) else command.note
    reviewed = _amendment_reviews(command, state, visit)
    recorded = tuple(
        review_measurement_id(e.analysis_id, e.index)
        for e in reviewed
        if isinstance(e, AnalysisValueReviewed) and e.value is not None
    )
    return [
        VisitNoteAmended(
            patient_id=state.patient_id,
            visit_id=visit.visit_id,
            amendment_id=command.amendment_id,
            reason=reason,
            note=note,
            amended_by=command.amended_by,
            amended_at=command.now,
            signer_name=command.signer_name,
            credentials=command.credentials,
            attestation=command.attestation,
            measurement_ids=recorded,
        ),
        *reviewed,
    ]


def _has_text(note: SoapNote) -> bool:
    return any(part.strip() for part in (note.subjective, note.objective, note.assessment, note.plan))


def _amendment_reviews(command: AmendVisitNote, state: PatientState, visit: VisitState) -> list[DomainEvent]:
    """The review events of the machine values an amendment records, each decided on the state
    the ones before it left (a value reviewed twice in one amendment is refused)."""
    events: list[DomainEvent] = []
    for review in command.reviews:
        analysis = state.analyses.get(review.analysis_id)
        if analysis is None or analysis.visit_id != visit.visit_id:
            raise NotFound("the amendment reviews an analysis of another visit", field="reviews")
        decided = review_events(
            review,
            state,
            reviewer_id=command.amended_by,
            reviewer_name=command.signer_name,
            reviewer_credentials=command.credentials,
            now=command.now,
            amendment_id=command.amendment_id,
            decided=events,
        )
        for event in decided:
            state = evolve(state, event)
        events += decided
    return events
