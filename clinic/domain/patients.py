"""The patient stream: its state, how events change it, and registration, care team,
plan of care and discharge decisions. Goals are in :mod:`goals`, visits in :mod:`visits`.

One stream per patient holds the whole episode of care, so every rule that spans
visits, goals and discharge is checked against one consistent state.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid5

from clinic.domain import limits
from clinic.domain import vocabulary as vocab
from clinic.domain.commands import (
    AssignTherapist,
    DischargePatient,
    ErasePatientPii,
    EstablishPlanOfCare,
    RegisterPatient,
    UnassignTherapist,
)
from clinic.domain.errors import InvalidState, InvalidValue, NotFound, VisitLocked
from clinic.domain.events import (
    AnalysisCompleted,
    AnalysisFailed,
    AnalysisRequested,
    AnalysisValueReviewed,
    Diagnosis,
    DomainEvent,
    GoalAchieved,
    GoalLifecycleChanged,
    GoalOutcome,
    GoalRevised,
    GoalSet,
    LandmarkSequenceStored,
    MeasurementRecorded,
    MetricValue,
    PatientDischarged,
    PatientPiiErased,
    PatientRegistered,
    PlanOfCareCertified,
    PlanOfCareEstablished,
    RecordingStarted,
    RecordingStopped,
    SoapNote,
    TherapistAssigned,
    TherapistUnassigned,
    VideoDeleted,
    VideoUploaded,
    VisitNoteAmended,
    VisitNoteSigned,
    VisitNoteWritten,
    VisitRecorded,
)

# Medicare certifies a plan of care for at most 90 days (42 CFR 424.24(c)).
MAX_CERTIFICATION_DAYS = 90
MAX_AGE_YEARS = limits.MAX_AGE_YEARS


@dataclass(frozen=True, kw_only=True)
class GoalState:
    goal_id: UUID
    metric: str
    target: float
    comparator: str
    lifecycle_status: str
    achieved: bool = False
    due_date: date | None = None
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class VisitState:
    visit_id: UUID
    visit_type: str
    therapist_id: int
    visit_date: date
    note: SoapNote | None = None
    signed: bool = False
    amendments: int = 0


@dataclass(frozen=True, kw_only=True)
class AnalysisState:
    analysis_id: UUID
    visit_id: UUID
    content_sha256: str
    config_key: str
    status: str  # "requested", "completed" or "failed"
    source_id: UUID | None = None  # the upload or recording analysed
    metrics: tuple[MetricValue, ...] = ()
    # Review decision per value index: "accepted", "edited", "rejected", or "final" for a value
    # that stored events recorded straight from the analysis (before values were reviewed).
    reviews: dict[int, str] = field(default_factory=dict)


def legacy_measurement_id(analysis_id: UUID, index: int, value: MetricValue) -> UUID:
    """The id an analysis value's ``MeasurementRecorded`` had when analyses recorded values
    without review: recognising it keeps those stored values final on replay."""
    return uuid5(analysis_id, f"{index}:{value.metric}:{value.side}")


def _reviewed(analysis: AnalysisState, index: int, decision: str) -> AnalysisState:
    return replace(analysis, reviews={**analysis.reviews, index: decision})


def _legacy_final(state: PatientState, event: MeasurementRecorded) -> PatientState:
    analysis = state.analyses.get(event.analysis_id) if event.analysis_id else None
    if analysis is None:
        return state
    for index, value in enumerate(analysis.metrics):
        if index not in analysis.reviews and event.measurement_id == legacy_measurement_id(
            analysis.analysis_id, index, value
        ):
            done = _reviewed(analysis, index, "final")
            return replace(state, analyses={**state.analyses, analysis.analysis_id: done})
    return state


@dataclass(frozen=True, kw_only=True)
class RecordingState:
    recording_id: UUID
    visit_id: UUID
    model: str
    stopped: bool = False


def config_key(config: dict[str, Any]) -> str:
    """A canonical text form of an analysis configuration, for idempotency checks."""
    import json

    return json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True, kw_only=True)
class PatientState:
    patient_id: UUID | None = None
    practice_id: UUID | None = None
    registered_on: date | None = None
    therapists: frozenset[int] = field(default_factory=frozenset)
    goals: dict[UUID, GoalState] = field(default_factory=dict)
    visits: dict[UUID, VisitState] = field(default_factory=dict)
    plans: int = 0
    certification_end: date | None = None  # the latest plan of care's last certified day
    latest_plan: UUID | None = None
    certified_plans: frozenset[UUID] = field(default_factory=frozenset)
    discharged: bool = False
    pii_erased: bool = False
    uploads: dict[UUID, UUID] = field(default_factory=dict)  # upload id -> visit id, while stored
    recordings: dict[UUID, RecordingState] = field(default_factory=dict)
    analyses: dict[UUID, AnalysisState] = field(default_factory=dict)
    sequences: frozenset[tuple[UUID, str]] = field(default_factory=frozenset)  # (visit id, sha256)

    @property
    def exists(self) -> bool:
        return self.patient_id is not None


def _with_goal(state: PatientState, goal_id: UUID, **changes: Any) -> PatientState:
    return replace(state, goals={**state.goals, goal_id: replace(state.goals[goal_id], **changes)})


def _with_visit(state: PatientState, visit_id: UUID, **changes: Any) -> PatientState:
    return replace(state, visits={**state.visits, visit_id: replace(state.visits[visit_id], **changes)})


def evolve(state: PatientState, event: DomainEvent) -> PatientState:
    """Apply one event. Never validates: past events are facts."""
    match event:
        case PatientRegistered():
            return replace(state, patient_id=event.patient_id, practice_id=event.practice_id)
        case TherapistAssigned():
            return replace(state, therapists=state.therapists | {event.therapist_id})
        case TherapistUnassigned():
            return replace(state, therapists=state.therapists - {event.therapist_id})
        case PlanOfCareEstablished():
            return replace(
                state,
                plans=state.plans + 1,
                certification_end=event.certification_end,
                latest_plan=event.plan_id,
            )
        case PlanOfCareCertified():
            return replace(state, certified_plans=state.certified_plans | {event.plan_id})
        case GoalSet():
            goal = GoalState(
                goal_id=event.goal_id,
                metric=event.metric,
                target=event.target,
                comparator=event.comparator,
                lifecycle_status=event.lifecycle_status,
                due_date=event.due_date,
                description=event.description,
            )
            return replace(state, goals={**state.goals, event.goal_id: goal})
        case GoalLifecycleChanged():
            return _with_goal(state, event.goal_id, lifecycle_status=event.lifecycle_status)
        case GoalRevised():
            return _with_goal(
                state,
                event.goal_id,
                target=event.target,
                comparator=event.comparator,
                due_date=event.due_date,
                description=event.description,
            )
        case GoalAchieved():
            return _with_goal(state, event.goal_id, achieved=True)
        case VisitRecorded():
            visit = VisitState(
                visit_id=event.visit_id,
                visit_type=event.visit_type,
                therapist_id=event.therapist_id,
                visit_date=event.visit_date,
            )
            return replace(state, visits={**state.visits, event.visit_id: visit})
        case VisitNoteWritten():
            return _with_visit(state, event.visit_id, note=event.note)
        case VisitNoteSigned():
            return _with_visit(state, event.visit_id, signed=True)
        case PatientDischarged():
            return replace(state, discharged=True)
        case PatientPiiErased():
            return replace(state, pii_erased=True)
        case VideoUploaded():
            return replace(state, uploads={**state.uploads, event.upload_id: event.visit_id})
        case VideoDeleted():
            return replace(state, uploads={k: v for k, v in state.uploads.items() if k != event.upload_id})
        case RecordingStarted():
            recording = RecordingState(
                recording_id=event.recording_id, visit_id=event.visit_id, model=event.model
            )
            return replace(state, recordings={**state.recordings, event.recording_id: recording})
        case RecordingStopped():
            stopped = replace(state.recordings[event.recording_id], stopped=True)
            return replace(state, recordings={**state.recordings, event.recording_id: stopped})
        case AnalysisRequested():
            analysis = AnalysisState(
                analysis_id=event.analysis_id,
                visit_id=event.visit_id,
                content_sha256=event.content_sha256,
                config_key=config_key(event.config),
                status="requested",
                source_id=event.source_id,
            )
            return replace(state, analyses={**state.analyses, event.analysis_id: analysis})
        case AnalysisCompleted():
            done = replace(state.analyses[event.analysis_id], status="completed", metrics=event.metrics)
            return replace(state, analyses={**state.analyses, event.analysis_id: done})
        case AnalysisFailed():
            failed = replace(state.analyses[event.analysis_id], status="failed")
            return replace(state, analyses={**state.analyses, event.analysis_id: failed})
        case LandmarkSequenceStored():
            return replace(state, sequences=state.sequences | {(event.visit_id, event.sequence_sha256)})
        case VisitNoteAmended():
            return _with_visit(state, event.visit_id, amendments=state.visits[event.visit_id].amendments + 1)
        case MeasurementRecorded():
            return _legacy_final(state, event)
        case AnalysisValueReviewed():
            reviewed = _reviewed(state.analyses[event.analysis_id], event.index, event.decision)
            return replace(state, analyses={**state.analyses, event.analysis_id: reviewed})
    return state


def fold(events: list[DomainEvent]) -> PatientState:
    state = PatientState()
    for event in events:
        state = evolve(state, event)
    return state


def require_open(state: PatientState) -> UUID:
    """The patient id, if the patient exists and has not been discharged."""
    if not state.exists or state.patient_id is None:
        raise InvalidState("no such patient", code="patient_missing")
    if state.discharged:
        raise InvalidState(
            "the patient has been discharged; no further changes to the episode", code="patient_discharged"
        )
    return state.patient_id


def require_unsigned(state: PatientState, visit_id: UUID, *, what: str) -> VisitState:
    """The visit, if its note is not signed yet: a signed visit is locked (VisitLocked), and the
    refusal says what to do instead."""
    visit = state.visits.get(visit_id)
    if visit is None:
        raise NotFound("no such visit for this patient", field="visit_id")
    if visit.signed:
        raise visit_locked(what)
    return visit


def visit_locked(what: str) -> VisitLocked:
    """The refusal of ``what`` on a signed visit, with what to do instead."""
    return VisitLocked(
        f"This visit's note is signed and locked, so {what} cannot be added to it. "
        "Record a new visit as an addendum, or amend the signed note.",
        code="visit_signed",
        field="visit_id",
    )


def decide_register(command: RegisterPatient, state: PatientState) -> list[DomainEvent]:
    if state.exists:
        raise InvalidState("this patient is already registered", code="patient_exists")
    names = {}
    for name, value in (("given_name", command.given_name), ("family_name", command.family_name)):
        label = name.replace("_", " ")
        names[name] = limits.check_text(
            value, field=name, label=f"the {label}", max_chars=limits.PERSON_NAME_CHARS
        )
        if not names[name]:
            raise InvalidValue(f"{label} is required", code="required", field=name)
    if command.date_of_birth > command.today:
        raise InvalidValue("date of birth is in the future", code="invalid_date", field="date_of_birth")
    if (command.today - command.date_of_birth).days > MAX_AGE_YEARS * 366:
        raise InvalidValue("date of birth is implausibly early", code="invalid_date", field="date_of_birth")
    limits.check_date(
        command.date_of_birth,
        field="date_of_birth",
        label="the date of birth",
        earliest=limits.EARLIEST_DATE,
        latest=command.today,
    )
    if command.sex not in set(vocab.Sex):
        raise InvalidValue("sex must be male, female, other or unknown", code="invalid_sex", field="sex")
    if not command.diagnoses:
        raise InvalidValue("at least one ICD-10 diagnosis is required", code="required", field="diagnoses")
    if len(command.diagnoses) > limits.DIAGNOSES_PER_PATIENT:
        raise InvalidValue(
            f"a patient has at most {limits.DIAGNOSES_PER_PATIENT} diagnoses, not {len(command.diagnoses):,}",
            code="too_many",
            field="diagnoses",
            max_items=limits.DIAGNOSES_PER_PATIENT,
        )
    diagnoses = tuple(
        Diagnosis(
            code=vocab.check_icd10(d.code),
            description=limits.check_text(
                d.description,
                field="diagnoses",
                label="a diagnosis description",
                max_chars=limits.DIAGNOSIS_DESCRIPTION_CHARS,
            ),
        )
        for d in command.diagnoses
    )
    return [
        PatientRegistered(
            patient_id=command.patient_id,
            practice_id=command.practice_id,
            given_name=names["given_name"],
            family_name=names["family_name"],
            date_of_birth=command.date_of_birth,
            sex=command.sex,
            contact_sealed=command.contact_sealed,
            diagnoses=diagnoses,
            referring_physician=limits.check_text(
                command.referring_physician,
                field="referring_physician",
                label="the referring physician",
                max_chars=limits.PHYSICIAN_CHARS,
            ),
            payer=limits.check_text(
                command.payer, field="payer", label="the payer", max_chars=limits.PAYER_CHARS
            ),
            payer_member_id=limits.check_text(
                command.payer_member_id,
                field="payer_member_id",
                label="the member id",
                max_chars=limits.PAYER_MEMBER_ID_CHARS,
            ),
        )
    ]


def decide_assign(command: AssignTherapist, state: PatientState) -> list[DomainEvent]:
    patient_id = require_open(state)
    if command.therapist_id in state.therapists:
        raise InvalidState("this therapist is already assigned", code="already_assigned")
    return [
        TherapistAssigned(
            patient_id=patient_id, therapist_id=command.therapist_id, therapist_name=command.therapist_name
        )
    ]


def decide_unassign(command: UnassignTherapist, state: PatientState) -> list[DomainEvent]:
    patient_id = require_open(state)
    if command.therapist_id not in state.therapists:
        raise InvalidState("this therapist is not assigned", code="not_assigned")
    return [TherapistUnassigned(patient_id=patient_id, therapist_id=command.therapist_id)]


def decide_plan_of_care(command: EstablishPlanOfCare, state: PatientState) -> list[DomainEvent]:
    patient_id = require_open(state)
    limits.check_date(
        command.certification_start,
        field="certification_start",
        label="the certification start",
        earliest=limits.backdate_floor(command.today),
        latest=command.today + timedelta(days=limits.MAX_CERTIFICATION_LEAD_DAYS),
        rule=f"at most {limits.MAX_BACKDATE_DAYS} days back or "
        f"{limits.MAX_CERTIFICATION_LEAD_DAYS} days ahead",
    )
    days = (command.certification_end - command.certification_start).days
    if days < 0:
        raise InvalidValue("certification ends before it starts", code="invalid_period")
    if days > MAX_CERTIFICATION_DAYS:
        raise InvalidValue(
            f"a certification period is at most {MAX_CERTIFICATION_DAYS} days, not {days}",
            code="certification_too_long",
        )
    if not 1 <= command.frequency_per_week <= 7:
        raise InvalidValue(
            "frequency is 1 to 7 visits per week", code="out_of_range", field="frequency_per_week"
        )
    if not 1 <= command.duration_weeks <= 52:
        raise InvalidValue("duration is 1 to 52 weeks", code="out_of_range", field="duration_weeks")
    return [
        PlanOfCareEstablished(
            patient_id=patient_id,
            plan_id=command.plan_id,
            certification_start=command.certification_start,
            certification_end=command.certification_end,
            frequency_per_week=command.frequency_per_week,
            duration_weeks=command.duration_weeks,
            interventions=limits.check_text(
                command.interventions,
                field="interventions",
                label="the interventions",
                max_chars=limits.INTERVENTIONS_CHARS,
            ),
        )
    ]


def open_goals(state: PatientState) -> list[GoalState]:
    """Goals still on the plan (not completed, cancelled, rejected or entered in error)."""
    return [g for g in state.goals.values() if g.lifecycle_status not in vocab.TERMINAL_LIFECYCLE]


def decide_discharge(command: DischargePatient, state: PatientState) -> list[DomainEvent]:
    """Discharge with its summary: the reason, a status for every goal still open (what became
    of it: :data:`vocab.DISCHARGE_OUTCOMES`, with a comment), recommendations and the home
    programme the patient leaves with."""
    patient_id = require_open(state)
    if command.discharged_on > command.today:
        raise InvalidValue("discharge date is in the future", code="invalid_date", field="discharged_on")
    limits.check_date(
        command.discharged_on,
        field="discharged_on",
        label="the discharge date",
        earliest=limits.backdate_floor(command.today),
        latest=command.today,
        rule=f"at most {limits.MAX_BACKDATE_DAYS} days back",
    )
    reason = limits.check_text(
        command.reason, field="reason", label="the discharge reason", max_chars=limits.REASON_CHARS
    )
    if not reason:
        raise InvalidValue("a discharge reason is required", code="required", field="reason")
    outcomes = _goal_outcomes(command.goal_outcomes, state)
    recommendations, home_programme = (
        limits.check_text(
            text, field=name, label=f"the {name.replace('_', ' ')}", max_chars=limits.DISCHARGE_TEXT_CHARS
        )
        for name, text in (
            ("recommendations", command.recommendations),
            ("home_programme", command.home_programme),
        )
    )
    return [
        PatientDischarged(
            patient_id=patient_id,
            discharged_on=command.discharged_on,
            reason=reason,
            goal_outcomes=outcomes,
            recommendations=recommendations,
            home_programme=home_programme,
        )
    ]


def _goal_outcomes(given: tuple[GoalOutcome, ...], state: PatientState) -> tuple[GoalOutcome, ...]:
    """One outcome per open goal, in the order given; each comment bounded."""
    open_ids = {g.goal_id for g in open_goals(state)}
    seen: set[UUID] = set()
    outcomes = []
    for outcome in given:
        if outcome.goal_id not in state.goals:
            raise InvalidValue(
                "a goal outcome names no goal of this patient", code="unknown_goal", field="goal_outcomes"
            )
        if outcome.goal_id not in open_ids:
            status = state.goals[outcome.goal_id].lifecycle_status
            raise InvalidValue(
                f"a goal that is {status} needs no outcome at discharge",
                code="goal_closed",
                field="goal_outcomes",
            )
        if outcome.goal_id in seen:
            raise InvalidValue("a goal has two outcomes", code="duplicate", field="goal_outcomes")
        if outcome.achievement_status not in vocab.DISCHARGE_OUTCOMES:
            raise InvalidValue(
                "a goal at discharge is " + ", ".join(vocab.DISCHARGE_OUTCOMES),
                code="invalid_status",
                field="goal_outcomes",
                allowed=list(vocab.DISCHARGE_OUTCOMES),
            )
        seen.add(outcome.goal_id)
        comment = limits.check_text(
            outcome.comment, field="goal_outcomes", label="a goal comment", max_chars=limits.REASON_CHARS
        )
        outcomes.append(replace(outcome, comment=comment))
    missing = open_ids - seen
    if missing:
        raise InvalidValue(
            f"the discharge summary says what became of every open goal; {len(missing)} "
            f"goal{'s have' if len(missing) > 1 else ' has'} no status",
            code="required",
            field="goal_outcomes",
            goal_ids=sorted(str(g) for g in missing),
        )
    return tuple(outcomes)


def decide_erase(command: ErasePatientPii, state: PatientState) -> list[DomainEvent]:
    if not state.exists or state.patient_id is None:
        raise InvalidState("no such patient", code="patient_missing")
    if state.pii_erased:
        raise InvalidState("this patient's personal data is already erased", code="already_erased")
    reason = limits.check_text(
        command.reason, field="reason", label="the erasure reason", max_chars=limits.REASON_CHARS
    )
    if not reason:
        raise InvalidValue("an erasure reason is required", code="required", field="reason")
    return [PatientPiiErased(patient_id=state.patient_id, reason=reason, erased_at=command.now)]
