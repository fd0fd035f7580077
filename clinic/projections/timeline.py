"""The patient timeline: one sentence per event, written for a clinician reading the chart."""

from __future__ import annotations

import threading

from clinic.domain import events as ev
from clinic.domain.billing import ProcedureLine, bill
from clinic.domain.present import format_value
from clinic.domain.vocabulary import METRICS, VisitType, metric_label
from clinic.eventstore.store import RecordedEvent
from clinic.projections import models as rm
from clinic.projections.base import Projection

# Methods named in a measurement's timeline sentence ("... 108 deg by goniometer").
MANUAL_METHOD_WORDS = frozenset({"goniometer", "inclinometer", "stopwatch"})

# Every event of a patient stream (all but the practice stream's own events).
PATIENT_EVENTS = frozenset(ev.EVENT_TYPES) - {
    "PracticeOpened",
    "StaffMemberJoined",
    "VideoRetentionChanged",
    "PracticeBillingDetailsChanged",
}


def _timeline_summary(e: ev.DomainEvent) -> tuple[str, str]:
    """(kind, sentence) for a patient event, written for a clinician reading the chart."""
    match e:
        case ev.PatientRegistered():
            codes = ", ".join(d.code for d in e.diagnoses)
            return (
                "registered",
                f"Registered; diagnoses {codes}; referred by {e.referring_physician or 'self'}",
            )
        case ev.TherapistAssigned():
            return "care_team", f"{e.therapist_name or f'Therapist #{e.therapist_id}'} assigned"
        case ev.TherapistUnassigned():
            return "care_team", f"Therapist #{e.therapist_id} unassigned"
        case ev.PlanOfCareEstablished():
            return "plan_of_care", (
                f"Plan of care {e.certification_start} to {e.certification_end}, "
                f"{e.frequency_per_week}x/week for {e.duration_weeks} weeks"
            )
        case ev.PlanOfCareCertified():
            return "plan_of_care", (
                f"Plan of care {'recertified' if e.recertification else 'certified'} by "
                f"{e.physician_name} (NPI {e.physician_npi}); signed certification received {e.received_on}"
            )
        case ev.GoalSet():
            return "goal", f"Goal set: {e.description}"
        case ev.GoalLifecycleChanged():
            return "goal", f"Goal now {e.lifecycle_status}" + (f" ({e.reason})" if e.reason else "")
        case ev.GoalRevised():
            return "goal", f"Goal revised: {e.description}" + (f" ({e.reason})" if e.reason else "")
        case ev.GoalAchieved():
            return "goal", f"Goal achieved with {e.value:g}"
        case ev.VisitRecorded():
            return (
                "visit",
                f"{VisitType(e.visit_type).name.replace('_', ' ').capitalize()} visit on {e.visit_date}",
            )
        case ev.VisitNoteWritten():
            return "note", "Visit note written"
        case ev.MeasurementRecorded():
            label = METRICS[e.metric].label if e.metric in METRICS else e.metric
            side = f" ({e.side})" if e.side else ""
            how = f" by {e.method}" if e.method in MANUAL_METHOD_WORDS else ""
            if e.method == "patient-reported":
                how = " (patient-reported)"
            if e.instrument:
                how = f" ({len(e.responses)}-item questionnaire)"
            return "measurement", f"{label}{side}: {e.value:g} {e.unit}{how}"
        case ev.VisitProceduresRecorded():
            billed = bill([ProcedureLine(code=p.code, minutes=p.minutes) for p in e.procedures])
            lines = ", ".join(
                f"{b.code} {b.minutes} min ({b.units} unit{'s' if b.units != 1 else ''})"
                for b in billed.lines
            )
            return "billing", f"Procedures: {lines or 'none'}"
        case ev.VisitNoteSigned():
            return "signature", f"Note signed by {e.signer_name}, {e.credentials}"
        case ev.VisitNoteAmended():
            by = f" by {e.signer_name}, {e.credentials}" if e.signer_name else ""
            values = f"; records {len(e.measurement_ids)} value(s)" if e.measurement_ids else ""
            return "amendment", f"Signed note amended{by}: {e.reason}{values}"
        case ev.PatientDischarged():
            met = sum(1 for o in e.goal_outcomes if o.achievement_status == "achieved")
            goals = f"; {met} of {len(e.goal_outcomes)} open goals achieved" if e.goal_outcomes else ""
            return "discharge", f"Discharged on {e.discharged_on}: {e.reason}{goals}"
        case ev.PatientPiiErased():
            return "erasure", "Contact details erased (key destroyed)"
        case ev.VideoUploaded():
            return "video", f"Video uploaded ({e.original_name}, {e.size_bytes / 1e6:.1f} MB)"
        case ev.VideoDeleted():
            return "video", f"Video deleted: {e.reason}"
        case ev.RecordingStarted():
            return "recording", f"Live recording started ({e.exercise.replace('_', ' ')}, {e.model} model)"
        case ev.RecordingStopped():
            return "recording", f"Live recording stopped after {e.duration_s:.1f} s ({e.frames} frames)"
        case ev.LandmarkSequenceStored():
            return "recording", f"Landmark sequence stored ({e.frames} frames at {e.fps:g} fps)"
        case ev.AnalysisRequested():
            return "analysis", f"Analysis of the {e.source} requested"
        case ev.AnalysisCompleted():
            return "analysis", f"Analysis completed: {len(e.metrics)} values (software {e.software_version})"
        case ev.AnalysisFailed():
            return "analysis", f"Analysis failed: {e.reason}"
        case ev.AnalysisValueReviewed():
            return "review", _review_sentence(e)
    return "other", type(e).__name__


def _review_sentence(e: ev.AnalysisValueReviewed) -> str:
    """ "Knee flexion ROM (left) 62° rejected by Tess Tester, PT: knee hidden behind the chair"."""
    label = metric_label(e.metric)
    side = f" ({e.side})" if e.side else ""
    who = f"{e.reviewer_name}, {e.reviewer_credentials}" if e.reviewer_credentials else e.reviewer_name
    machine = format_value(e.machine_value, unit=e.unit, metric=e.metric)
    if e.decision == "edited":
        what = f"{machine} edited to {format_value(e.value, unit=e.unit, metric=e.metric)}"
    else:
        what = f"{machine} {e.decision}"
    return f"{label}{side} {what} by {who}" + (f": {e.reason}" if e.reason else "")


class TimelineProjection(Projection):
    name = "timeline"
    tables = (rm.TimelineEntry,)

    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def _pending(self) -> list[rm.TimelineEntry]:
        if not hasattr(self._local, "pending"):
            self._local.pending = []
        pending: list[rm.TimelineEntry] = self._local.pending
        return pending

    def begin_batch(self) -> None:
        self._pending.clear()

    def end_batch(self) -> None:
        rm.TimelineEntry.objects.bulk_create(self._pending)
        self._pending.clear()

    def handles(self, event_type: str) -> bool:
        return event_type in PATIENT_EVENTS

    def apply(self, event: ev.DomainEvent, recorded: RecordedEvent) -> None:
        kind, summary = _timeline_summary(event)
        occurred = getattr(event, "visit_date", None) or getattr(event, "discharged_on", None)
        self._pending.append(
            rm.TimelineEntry(
                global_position=recorded.global_position,
                patient_id=event.patient_id,  # type: ignore[attr-defined]
                occurred_on=occurred or recorded.recorded_at.date(),
                recorded_at=recorded.recorded_at,
                kind=kind,
                summary=summary,
                actor=str(recorded.metadata.get("actor", "")),
            )
        )
