"""What a document needs to know about a patient, as plain frozen data (no Django)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, kw_only=True)
class Measurement:
    metric: str
    label: str
    value: float
    unit: str
    measured_on: date
    visit_id: str
    side: str = ""
    method: str = "clinician"  # how it was measured (vocabulary.Method): "video" for an analysis value
    # FHIR Observation.status: "final" (a clinician's measurement or an accepted analysis value),
    # "amended" (an analysis value the clinician edited) or "preliminary" (not reviewed yet).
    status: str = "final"
    quality: str = ""  # good, fair or poor (analysis values graded since review existed)
    view: str = ""  # sagittal, frontal or oblique
    technique: str = ""  # how the analysis measured it, in words
    software_version: str = ""  # the analysis software that measured it
    key: str = ""  # stable identity (measurement id, or analysis id and value index)


@dataclass(frozen=True, kw_only=True)
class Goal:
    goal_id: str
    metric: str
    label: str
    description: str
    unit: str
    baseline: float | None
    target: float
    comparator: str
    due_date: date
    lifecycle_status: str
    achievement_status: str
    latest_value: float | None
    latest_on: date | None
    progress_percent: float | None
    set_on: date
    # The date from which measurements count toward the goal (its baseline visit, else the day it
    # was set), and each lifecycle status with the date it took effect, oldest first: what a
    # document dated earlier shows of the goal (clinic.reports.asof).
    starts_on: date | None = None
    baseline_visit_id: str = ""
    lifecycle_history: tuple[tuple[date, str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class Visit:
    visit_id: str
    visit_type: str
    visit_date: date
    therapist_id: int
    therapist_name: str
    subjective: str = ""
    objective: str = ""
    assessment: str = ""
    plan: str = ""
    signed_at: datetime | None = None
    signer_name: str = ""
    signer_credentials: str = ""
    attestation: str = ""  # the statement the signer affirmed (empty before statements were recorded)
    amendments: tuple[str, ...] = ()
    prognosis: str = ""
    procedures: tuple[tuple[str, int], ...] = ()  # (CPT code, treatment minutes) as entered


def amendment_text(*, amended_on: str, reason: str, note: dict[str, str]) -> str:
    """One amendment as the documents print it: date, reason, then each amended SOAP section."""
    return f"{amended_on} {reason}: " + "; ".join(f"{k}: {t}" for k, t in note.items() if t)


@dataclass(frozen=True, kw_only=True)
class Therapist:
    user_id: int
    name: str
    credentials: str
    npi: str = ""
    licence: str = ""


@dataclass(frozen=True, kw_only=True)
class CertificationPeriod:
    """A plan of care's certification period as established (recertifications are further ones)."""

    start: date
    end: date
    frequency_per_week: int
    duration_weeks: int
    interventions: str = ""


@dataclass(frozen=True, kw_only=True)
class GoalAtDischarge:
    """A goal's status at discharge as the discharging therapist judged it, with their comment."""

    goal_id: str
    status: str
    comment: str = ""


@dataclass(frozen=True, kw_only=True)
class DischargeSummary:
    """What the discharge recorded: why, each open goal's status, and what the patient leaves with."""

    reason: str
    recommendations: str = ""
    home_programme: str = ""
    goals: tuple[GoalAtDischarge, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PatientRecord:
    """Everything the documents show. Dates are the clinic's local dates."""

    practice_name: str
    patient_id: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    diagnoses: tuple[tuple[str, str], ...]
    referring_physician: str
    payer: str
    payer_member_id: str
    contact: dict[str, str] | None
    status: str
    discharged_on: date | None
    certification_start: date | None
    certification_end: date | None
    frequency_per_week: int | None
    duration_weeks: int | None
    visits_since_report: int
    therapists: tuple[Therapist, ...]
    goals: tuple[Goal, ...]
    visits: tuple[Visit, ...]  # oldest first
    measurements: tuple[Measurement, ...]  # final values only (the record), oldest first
    generated_at: datetime
    extra: dict[str, str] = field(default_factory=dict)
    # Analysis values no clinician has reviewed yet: exported to FHIR as preliminary, never
    # printed in a document, charted or compared with a goal.
    preliminary: tuple[Measurement, ...] = ()
    # Every certification period, in the order established; the fields above hold the current one.
    certifications: tuple[CertificationPeriod, ...] = ()
    # The billing provider every document names.
    practice_address: str = ""
    practice_npi: str = ""
    # Set once the patient is discharged (and, as of a date, only from the discharge day on).
    discharge: DischargeSummary | None = None
    # The physician's signed certification of the plan of care: "name, NPI n", empty until received.
    certifying_physician: str = ""
    certification_received_on: date | None = None

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def charted_goals(self) -> tuple[Goal, ...]:
        """The goals documents print and chart: all but those marked entered-in-error (set by
        mistake; the exports keep them with their status and reason)."""
        return tuple(g for g in self.goals if g.lifecycle_status != "entered-in-error")

    @property
    def start_of_care(self) -> date | None:
        return self.visits[0].visit_date if self.visits else None
