"""Commands: what a user asks the records to do. Each is decided against a stream's state.

Commands carry ``today`` (or a timestamp) explicitly so that deciding stays pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from clinic.domain.events import (
    Diagnosis,
    GoalOutcome,
    MetricValue,
    ProcedureMinutes,
    SoapNote,
    WithheldValue,
)
from clinic.domain.roles import Actor


@dataclass(frozen=True, kw_only=True)
class Command:
    """``actor``: who asks (see :mod:`clinic.domain.roles`); clinical commands are refused without
    a clinician."""

    actor: Actor | None = None


@dataclass(frozen=True, kw_only=True)
class OpenPractice(Command):
    practice_id: UUID
    name: str
    address: str = ""
    npi: str = ""


@dataclass(frozen=True, kw_only=True)
class AddStaffMember(Command):
    user_id: int
    role: str
    display_name: str
    credentials: str = ""
    npi: str = ""
    licence: str = ""


@dataclass(frozen=True, kw_only=True)
class SetPracticeBillingDetails(Command):
    address: str
    npi: str


@dataclass(frozen=True, kw_only=True)
class SetVideoRetention(Command):
    retain: bool


@dataclass(frozen=True, kw_only=True)
class RegisterPatient(Command):
    patient_id: UUID
    practice_id: UUID
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    contact_sealed: str
    diagnoses: tuple[Diagnosis, ...]
    referring_physician: str
    payer: str
    payer_member_id: str = ""
    today: date


@dataclass(frozen=True, kw_only=True)
class AssignTherapist(Command):
    therapist_id: int
    therapist_name: str = ""


@dataclass(frozen=True, kw_only=True)
class UnassignTherapist(Command):
    therapist_id: int


@dataclass(frozen=True, kw_only=True)
class EstablishPlanOfCare(Command):
    certification_start: date
    certification_end: date
    frequency_per_week: int
    duration_weeks: int
    interventions: str = ""
    today: date
    plan_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class CertifyPlanOfCare(Command):
    """Record the physician's signed certification of plan ``plan_id`` (the latest plan if None)."""

    physician_name: str
    physician_npi: str
    received_on: date
    today: date
    plan_id: UUID | None = None


@dataclass(frozen=True, kw_only=True)
class SetGoal(Command):
    metric: str
    description: str
    unit: str
    target: float
    comparator: str
    due_date: date
    baseline: float | None = None
    baseline_visit_id: UUID | None = None
    lifecycle_status: str = "active"
    today: date
    goal_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class ChangeGoalLifecycle(Command):
    goal_id: UUID
    lifecycle_status: str
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class ReviseGoal(Command):
    goal_id: UUID
    description: str
    target: float
    comparator: str
    due_date: date
    reason: str = ""
    today: date


@dataclass(frozen=True, kw_only=True)
class RecordVisit(Command):
    visit_type: str
    therapist_id: int
    visit_date: date
    today: date
    visit_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class WriteVisitNote(Command):
    visit_id: UUID
    note: SoapNote


@dataclass(frozen=True, kw_only=True)
class RecordMeasurement(Command):
    visit_id: UUID
    metric: str
    value: float
    unit: str
    side: str = ""
    method: str = "clinician"
    measurement_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class ScoreQuestionnaire(Command):
    """Score a standard questionnaire a patient completed at a visit (see :mod:`questionnaires`)."""

    visit_id: UUID
    instrument: str
    responses: tuple[int | None, ...]
    side: str = ""
    measurement_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class RecordVisitProcedures(Command):
    """The procedures delivered at a visit with their minutes; replaces any recorded before."""

    visit_id: UUID
    procedures: tuple[ProcedureMinutes, ...]


@dataclass(frozen=True, kw_only=True)
class SignVisitNote(Command):
    visit_id: UUID
    signer_id: int
    signer_name: str
    credentials: str
    now: datetime
    attestation: str = ""


@dataclass(frozen=True, kw_only=True)
class ValueReview:
    """One review decision on a machine value (see ReviewAnalysisValue), inside an amendment."""

    analysis_id: UUID
    index: int
    decision: str
    value: float | None = None
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class AmendVisitNote(Command):
    visit_id: UUID
    reason: str
    note: SoapNote
    amended_by: int
    now: datetime
    amendment_id: UUID = field(default_factory=uuid4)
    signer_name: str = ""
    credentials: str = ""
    attestation: str = ""
    # Machine values reviewed in this amendment (results that arrived after the note was signed).
    reviews: tuple[ValueReview, ...] = ()


@dataclass(frozen=True, kw_only=True)
class DischargePatient(Command):
    discharged_on: date
    reason: str
    today: date
    goal_outcomes: tuple[GoalOutcome, ...] = ()
    recommendations: str = ""
    home_programme: str = ""


@dataclass(frozen=True, kw_only=True)
class ErasePatientPii(Command):
    reason: str
    now: datetime


@dataclass(frozen=True, kw_only=True)
class UploadVideo(Command):
    visit_id: UUID
    content_sha256: str
    media_type: str
    size_bytes: int
    original_name: str
    upload_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class DeleteVideo(Command):
    upload_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class StartRecording(Command):
    visit_id: UUID
    exercise: str
    model: str
    mode: str
    now: datetime
    recording_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class StopRecording(Command):
    """Stop a recording and record where its landmark sequence was stored."""

    recording_id: UUID
    now: datetime
    frames: int
    duration_s: float
    sequence_sha256: str
    sampling_rate_hz: float  # recorded as the event's ``fps``


@dataclass(frozen=True, kw_only=True)
class StoreLandmarkSequence(Command):
    """Record the landmark sequence an uploaded video's pose estimation stored."""

    visit_id: UUID
    sequence_sha256: str
    source_id: UUID
    frames: int
    sampling_rate_hz: float  # recorded as the event's ``fps``
    model: str


@dataclass(frozen=True, kw_only=True)
class RequestAnalysis(Command):
    visit_id: UUID
    source: str
    source_id: UUID
    content_sha256: str
    config: dict[str, Any]
    analysis_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, kw_only=True)
class CompleteAnalysis(Command):
    analysis_id: UUID
    software_version: str
    sequence_sha256: str
    metrics: tuple[MetricValue, ...]
    summary: dict[str, Any]
    withheld: tuple[WithheldValue, ...] = ()


@dataclass(frozen=True, kw_only=True)
class FailAnalysis(Command):
    analysis_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class ReviewAnalysisValue(Command):
    """Accept, edit or reject the value at ``index`` of a completed analysis's ``metrics``.

    ``value`` is the clinician's value (``edit`` only); ``reason`` is required to edit or reject.
    """

    analysis_id: UUID
    index: int
    decision: str  # "accept", "edit" or "reject"
    reviewer_id: int
    reviewer_name: str
    reviewer_credentials: str
    now: datetime
    value: float | None = None
    reason: str = ""
