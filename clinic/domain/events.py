"""Domain events: past-tense, frozen, versioned. They are the permanent schema.

An event's type name is its class name. A payload change bumps ``schema_version`` and
adds an upcaster in :mod:`clinic.domain.upcasters`; stored events are never edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from clinic.domain.codec import from_primitive, to_primitive


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    schema_version: ClassVar[int] = 1

    @classmethod
    def event_type(cls) -> str:
        return cls.__name__

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = to_primitive(self)
        return data


@dataclass(frozen=True, kw_only=True)
class Diagnosis:
    code: str
    description: str = ""


# --- practice stream -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PracticeOpened(DomainEvent):
    practice_id: UUID
    name: str
    # The billing provider on every document (empty in practices opened before they were kept).
    address: str = ""
    npi: str = ""


@dataclass(frozen=True, kw_only=True)
class StaffMemberJoined(DomainEvent):
    practice_id: UUID
    user_id: int
    role: str
    display_name: str
    credentials: str = ""
    npi: str = ""  # the clinician's National Provider Identifier (clinic.domain.identifiers)
    licence: str = ""  # state licence, e.g. "PT 012345 (IL)"


@dataclass(frozen=True, kw_only=True)
class PracticeBillingDetailsChanged(DomainEvent):
    """The practice's address and NPI as billing provider, replacing those it was opened with."""

    practice_id: UUID
    address: str
    npi: str


@dataclass(frozen=True, kw_only=True)
class VideoRetentionChanged(DomainEvent):
    """Whether the practice keeps uploaded videos after their analysis (off: deleted once analysed)."""

    practice_id: UUID
    retain: bool


# --- patient stream --------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PatientRegistered(DomainEvent):
    """``contact_sealed`` is the contact details encrypted with the patient's own key.

    Schema v2: diagnoses became ``{code, description}`` objects (v1 stored bare codes)
    and ``payer_member_id`` was added.
    """

    schema_version: ClassVar[int] = 2

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


@dataclass(frozen=True, kw_only=True)
class TherapistAssigned(DomainEvent):
    patient_id: UUID
    therapist_id: int
    therapist_name: str = ""


@dataclass(frozen=True, kw_only=True)
class TherapistUnassigned(DomainEvent):
    patient_id: UUID
    therapist_id: int


@dataclass(frozen=True, kw_only=True)
class PlanOfCareEstablished(DomainEvent):
    patient_id: UUID
    plan_id: UUID
    certification_start: date
    certification_end: date
    frequency_per_week: int
    duration_weeks: int
    interventions: str = ""


@dataclass(frozen=True, kw_only=True)
class PlanOfCareCertified(DomainEvent):
    """The certifying physician's signed certification of a plan of care was received.

    ``received_on`` is the date the signed certification reached the practice (Medicare: within
    30 days of the initial evaluation, 42 CFR 424.24(c)); ``recertification`` is true when an
    earlier plan of the episode was certified: each recertification is an event of its own.
    """

    patient_id: UUID
    plan_id: UUID
    physician_name: str
    physician_npi: str
    received_on: date
    recertification: bool = False
    recorded_by: int | None = None


@dataclass(frozen=True, kw_only=True)
class GoalSet(DomainEvent):
    patient_id: UUID
    goal_id: UUID
    metric: str
    description: str
    unit: str
    baseline: float | None
    baseline_visit_id: UUID | None
    target: float
    comparator: str
    due_date: date
    lifecycle_status: str


@dataclass(frozen=True, kw_only=True)
class GoalLifecycleChanged(DomainEvent):
    patient_id: UUID
    goal_id: UUID
    lifecycle_status: str
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class GoalRevised(DomainEvent):
    """A goal's target, comparator, due date or wording changed (the goal keeps its id, metric and
    baseline; a wrong baseline is corrected by marking the goal entered-in-error and setting a new one)."""

    patient_id: UUID
    goal_id: UUID
    description: str
    target: float
    comparator: str
    due_date: date
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class GoalAchieved(DomainEvent):
    patient_id: UUID
    goal_id: UUID
    value: float
    visit_id: UUID
    achieved_on: date


@dataclass(frozen=True, kw_only=True)
class VisitRecorded(DomainEvent):
    patient_id: UUID
    visit_id: UUID
    visit_type: str
    therapist_id: int
    visit_date: date


@dataclass(frozen=True, kw_only=True)
class SoapNote:
    subjective: str = ""
    objective: str = ""
    assessment: str = ""
    plan: str = ""
    # Prognosis / rehabilitation potential, as an evaluation and a progress report state it for the
    # payer ("Good rehab potential for stated goals"). Empty in notes written before it was kept.
    prognosis: str = ""


@dataclass(frozen=True, kw_only=True)
class VisitNoteWritten(DomainEvent):
    patient_id: UUID
    visit_id: UUID
    note: SoapNote


@dataclass(frozen=True, kw_only=True)
class MeasurementRecorded(DomainEvent):
    patient_id: UUID
    visit_id: UUID
    measurement_id: UUID
    metric: str
    value: float
    unit: str
    measured_on: date
    side: str = ""
    method: str = "clinician"
    analysis_id: UUID | None = None
    # For a value reviewed from an analysis: its grade, camera view and how it was measured
    # (see MetricValue), and the review that made it final ("accepted" or "edited"). Empty for a
    # clinician's own measurement and for analysis values recorded before values were reviewed.
    quality: str = ""
    view: str = ""
    technique: str = ""
    review: str = ""
    # For a questionnaire's score (method "questionnaire"): the instrument's code and the answer to
    # each item in item order (None: left blank), so the score can always be recomputed.
    instrument: str = ""
    responses: tuple[int | None, ...] = ()
    # The signed amendment that recorded the value, for a value reviewed after its visit was signed.
    amendment_id: UUID | None = None


@dataclass(frozen=True, kw_only=True)
class VisitNoteSigned(DomainEvent):
    patient_id: UUID
    visit_id: UUID
    signed_by: int
    signer_name: str
    credentials: str
    signed_at: datetime
    # The attestation statement the signer affirmed; empty on notes signed before it was recorded.
    attestation: str = ""


@dataclass(frozen=True, kw_only=True)
class VisitNoteAmended(DomainEvent):
    """A correction to a signed note; the signed original stays as it was."""

    patient_id: UUID
    visit_id: UUID
    amendment_id: UUID
    reason: str
    note: SoapNote
    amended_by: int
    amended_at: datetime
    # The amendment's signature (empty on amendments recorded before they were signed) and the
    # measurements it records: values reviewed after the visit was signed enter the record only
    # through a signed amendment.
    signer_name: str = ""
    credentials: str = ""
    attestation: str = ""
    measurement_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True, kw_only=True)
class GoalOutcome:
    """A goal's status at discharge, as the discharging therapist judged it: a FHIR
    ``goal-achievement`` code (:data:`clinic.domain.vocabulary.DISCHARGE_OUTCOMES`) and a comment."""

    goal_id: UUID
    achievement_status: str
    comment: str = ""


@dataclass(frozen=True, kw_only=True)
class ProcedureMinutes:
    """One procedure (a CPT code) delivered at a visit and its treatment minutes."""

    code: str
    minutes: int


@dataclass(frozen=True, kw_only=True)
class VisitProceduresRecorded(DomainEvent):
    """The procedures delivered at a visit: the whole list, replacing any recorded before. Units
    are not stored: the 8-minute rule (clinic.domain.billing) derives them from the minutes."""

    patient_id: UUID
    visit_id: UUID
    procedures: tuple[ProcedureMinutes, ...]


@dataclass(frozen=True, kw_only=True)
class PatientDischarged(DomainEvent):
    """The end of the episode of care with its discharge summary.

    ``goal_outcomes``, ``recommendations`` and ``home_programme`` were added later: a discharge
    stored before them reads with none (their defaults), so no upcaster is needed.
    """

    patient_id: UUID
    discharged_on: date
    reason: str
    goal_outcomes: tuple[GoalOutcome, ...] = ()
    recommendations: str = ""
    home_programme: str = ""


@dataclass(frozen=True, kw_only=True)
class PatientPiiErased(DomainEvent):
    """The patient's key was destroyed: sealed contact details (and video) are unreadable."""

    patient_id: UUID
    reason: str
    erased_at: datetime


# --- video, recordings and analyses (on the patient stream, per visit) ---------------------


@dataclass(frozen=True, kw_only=True)
class MetricValue:
    """One number an analysis produced. ``metric`` is a catalogue code when it has one.

    ``quality`` grades the landmarks the value was computed from (``good``, ``fair``, ``poor``);
    ``view`` is the camera view it was measured in (``sagittal``, ``frontal``, ``oblique``);
    ``method`` says in words how it was measured. All three are empty for values recorded
    before measurements were graded.
    """

    metric: str
    value: float
    unit: str
    side: str = ""
    quality: str = ""
    view: str = ""
    method: str = ""


@dataclass(frozen=True, kw_only=True)
class WithheldValue:
    """A value an analysis did not report, and why, in words a clinician reads.

    ``code`` is one of ``wrong_view`` (measured in a view the metric is not valid in),
    ``implausible`` (outside its physiological range), ``poor_quality`` (the landmarks it
    needs were not seen well enough) or ``no_scale`` (a length without a trustworthy scale).
    """

    metric: str
    side: str
    code: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class VideoUploaded(DomainEvent):
    """A video was stored encrypted with the patient's key under its content hash."""

    patient_id: UUID
    visit_id: UUID
    upload_id: UUID
    content_sha256: str
    media_type: str
    size_bytes: int
    original_name: str


@dataclass(frozen=True, kw_only=True)
class VideoDeleted(DomainEvent):
    patient_id: UUID
    upload_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class RecordingStarted(DomainEvent):
    patient_id: UUID
    visit_id: UUID
    recording_id: UUID
    exercise: str
    model: str
    mode: str  # "server" (frames inferred on the server) or "browser" (keypoints only)
    started_at: datetime


@dataclass(frozen=True, kw_only=True)
class RecordingStopped(DomainEvent):
    patient_id: UUID
    visit_id: UUID
    recording_id: UUID
    stopped_at: datetime
    frames: int
    duration_s: float


@dataclass(frozen=True, kw_only=True)
class LandmarkSequenceStored(DomainEvent):
    """A landmark time series was stored (compressed, encrypted, content-addressed)."""

    patient_id: UUID
    visit_id: UUID
    sequence_sha256: str
    source: str  # "recording" or "upload"
    source_id: UUID
    frames: int
    fps: float
    model: str


@dataclass(frozen=True, kw_only=True)
class AnalysisRequested(DomainEvent):
    patient_id: UUID
    visit_id: UUID
    analysis_id: UUID
    source: str  # "upload" or "recording"
    source_id: UUID
    content_sha256: str
    config: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class AnalysisCompleted(DomainEvent):
    """Results of one analysis: every value with its unit, and what produced it."""

    patient_id: UUID
    visit_id: UUID
    analysis_id: UUID
    content_sha256: str
    software_version: str
    config: dict[str, Any]
    sequence_sha256: str
    metrics: tuple[MetricValue, ...]
    summary: dict[str, Any]
    withheld: tuple[WithheldValue, ...] = ()


@dataclass(frozen=True, kw_only=True)
class AnalysisFailed(DomainEvent):
    patient_id: UUID
    visit_id: UUID
    analysis_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class AnalysisValueReviewed(DomainEvent):
    """A clinician's decision on one preliminary value of a completed analysis.

    ``index`` is the value's position in the analysis's ``metrics`` (stable: an event is never
    edited). ``decision`` is ``accepted`` (the machine value enters the record), ``edited`` (the
    clinician's ``value`` enters the record; ``machine_value`` keeps what the analysis measured)
    or ``rejected`` (nothing enters the record; the event is the audit entry). ``reason`` is
    required for ``edited`` and ``rejected``. Accepted and edited values are followed by their
    ``MeasurementRecorded`` in the same unit of work.
    """

    patient_id: UUID
    visit_id: UUID
    analysis_id: UUID
    index: int
    metric: str
    side: str
    unit: str
    machine_value: float
    value: float | None  # what entered the record; None when rejected
    decision: str
    reason: str
    reviewer_id: int
    reviewer_name: str
    reviewer_credentials: str
    reviewed_at: datetime


EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.event_type(): cls
    for cls in (
        PracticeOpened,
        StaffMemberJoined,
        VideoRetentionChanged,
        PracticeBillingDetailsChanged,
        PatientRegistered,
        TherapistAssigned,
        TherapistUnassigned,
        PlanOfCareEstablished,
        PlanOfCareCertified,
        GoalSet,
        GoalLifecycleChanged,
        GoalRevised,
        GoalAchieved,
        VisitRecorded,
        VisitNoteWritten,
        MeasurementRecorded,
        VisitNoteSigned,
        VisitProceduresRecorded,
        VisitNoteAmended,
        PatientDischarged,
        PatientPiiErased,
        VideoUploaded,
        VideoDeleted,
        RecordingStarted,
        RecordingStopped,
        LandmarkSequenceStored,
        AnalysisRequested,
        AnalysisCompleted,
        AnalysisFailed,
        AnalysisValueReviewed,
    )
}


def event_from_data(event_type: str, data: dict[str, Any]) -> DomainEvent:
    """Rebuild a domain event from its stored (already upcast) payload."""
    return from_primitive(EVENT_TYPES[event_type], data)
