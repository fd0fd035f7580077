"""Read a patient's read models into a :class:`PatientRecord` (the only Django part of reports)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from uuid import UUID

from django.utils import timezone

from clinic.domain.vocabulary import METRICS, metric_label
from clinic.eventstore import store
from clinic.projections import models as rm
from clinic.reports.model import (
    CertificationPeriod,
    DischargeSummary,
    Goal,
    GoalAtDischarge,
    Measurement,
    PatientRecord,
    Therapist,
    Visit,
    amendment_text,
)
from clinic.selectors import contact_details
from clinic.services.streams import patient_stream


def _local_date(value: datetime) -> datetime:
    return timezone.localtime(value)


def _preliminary(analyses: list[rm.AnalysisView], visit_dates: dict[str, date]) -> tuple[Measurement, ...]:
    """The unreviewed values of completed analyses that could enter the record (a catalogue metric
    in its unit and plausible range): what a FHIR export shows as preliminary."""
    values = []
    for a in analyses:
        for index, m in enumerate(a.metrics):
            known = METRICS.get(m["metric"])
            if str(index) in a.reviews or known is None or known.unit != m["unit"]:
                continue
            if not known.minimum <= float(m["value"]) <= known.maximum:
                continue
            values.append(
                Measurement(
                    metric=m["metric"],
                    label=known.label,
                    value=float(m["value"]),
                    unit=m["unit"],
                    measured_on=visit_dates.get(
                        str(a.visit_id), a.finished_at.date() if a.finished_at else date.today()
                    ),
                    visit_id=str(a.visit_id),
                    side=m.get("side", ""),
                    method="video",
                    status="preliminary",
                    quality=m.get("quality", ""),
                    view=m.get("view", ""),
                    technique=m.get("method", ""),
                    software_version=a.software_version,
                    key=f"{a.analysis_id}:{index}",
                )
            )
    return tuple(values)


HISTORY_EVENTS = ("VisitRecorded", "GoalSet", "GoalLifecycleChanged", "PlanOfCareEstablished")


@dataclass(frozen=True)
class History:
    """What the read models keep only in its latest form, from the patient's stream."""

    baseline_visits: dict[str, str]  # goal id -> its baseline visit id ("" for none)
    goal_starts: dict[str, date]  # goal id -> the date from which documents show it
    lifecycles: dict[str, list[tuple[date, str]]]  # goal id -> (date it took effect, status)
    certifications: tuple[CertificationPeriod, ...]  # every period, in the order established


def _history(pid: UUID) -> History:
    """Each goal's baseline visit, start and lifecycle statuses with the dates they took effect, and
    every certification period (a recertification replaces the current one in the read model).

    A goal belongs to the visit it was set at: its baseline visit when it names one, else the latest
    visit recorded before it (a goal typed in after the evaluation visit was entered is that
    evaluation's goal), else the day it was recorded. A lifecycle change takes effect on the day it
    was recorded, so a goal discontinued today still reads as active in earlier documents.
    """
    history = History({}, {}, {}, ())
    visit_dates: dict[str, date] = {}
    periods = []
    for recorded in store.read_stream(patient_stream(pid)):
        if recorded.event_type not in HISTORY_EVENTS:
            continue
        data, day = recorded.data, timezone.localtime(recorded.recorded_at).date()
        if recorded.event_type == "VisitRecorded":
            visit_dates[data["visit_id"]] = date.fromisoformat(data["visit_date"])
        elif recorded.event_type == "GoalSet":
            goal_id, baseline = data["goal_id"], data.get("baseline_visit_id") or ""
            history.baseline_visits[goal_id] = baseline
            history.goal_starts[goal_id] = visit_dates.get(baseline) or max(visit_dates.values(), default=day)
            history.lifecycles[goal_id] = [(day, data["lifecycle_status"])]
        elif recorded.event_type == "GoalLifecycleChanged":
            history.lifecycles.setdefault(data["goal_id"], []).append((day, data["lifecycle_status"]))
        else:
            periods.append(
                CertificationPeriod(
                    start=date.fromisoformat(data["certification_start"]),
                    end=date.fromisoformat(data["certification_end"]),
                    frequency_per_week=data["frequency_per_week"],
                    duration_weeks=data["duration_weeks"],
                    interventions=data.get("interventions", ""),
                )
            )
    return replace(history, certifications=tuple(periods))


def patient_record(patient: rm.PatientSummary) -> PatientRecord:
    """Everything about one patient the documents need. Access is checked by the caller."""
    pid: UUID = patient.patient_id
    staff = {s.user_id: s for s in rm.StaffMember.objects.filter(practice_id=patient.practice_id)}
    practice = rm.PracticeView.objects.filter(practice_id=patient.practice_id).first()
    cert = rm.Certification.objects.filter(patient_id=pid).first()
    counter = rm.ProgressReportCounter.objects.filter(patient_id=pid).first()
    assigned = rm.Assignment.objects.filter(patient_id=pid).values_list("therapist_id", flat=True)
    visits_rm = list(rm.VisitView.objects.filter(patient_id=pid).order_by("visit_date", "visit_id"))
    analyses = list(
        rm.AnalysisView.objects.filter(patient_id=pid, status="completed").order_by(
            "finished_at", "analysis_id"
        )
    )
    software = {str(a.analysis_id): a.software_version for a in analyses}
    visits = []
    measurements = []
    for v in visits_rm:
        note = v.note or {}
        therapist = staff.get(v.therapist_id)
        visits.append(
            Visit(
                visit_id=str(v.visit_id),
                visit_type=v.visit_type,
                visit_date=v.visit_date,
                therapist_id=v.therapist_id,
                therapist_name=therapist.display_name if therapist else f"#{v.therapist_id}",
                subjective=note.get("subjective", ""),
                objective=note.get("objective", ""),
                assessment=note.get("assessment", ""),
                plan=note.get("plan", ""),
                prognosis=note.get("prognosis", ""),
                procedures=tuple((p["code"], int(p["minutes"])) for p in v.procedures),
                signed_at=_local_date(v.signed_at) if v.signed_at else None,
                signer_name=v.signer_name,
                signer_credentials=v.signer_credentials,
                attestation=v.attestation,
                amendments=tuple(
                    amendment_text(amended_on=a["amended_at"][:10], reason=a["reason"], note=a["note"])
                    for a in v.amendments
                ),
            )
        )
        for m in v.measurements:
            measurements.append(
                Measurement(
                    metric=m["metric"],
                    label=metric_label(m["metric"]),
                    value=float(m["value"]),
                    unit=m["unit"],
                    measured_on=v.visit_date,
                    visit_id=str(v.visit_id),
                    side=m.get("side", ""),
                    method=m.get("method", "clinician"),
                    status="amended" if m.get("review") == "edited" else "final",
                    quality=m.get("quality", ""),
                    view=m.get("view", ""),
                    technique=m.get("technique", ""),
                    software_version=software.get(str(m.get("analysis_id")), ""),
                    key=str(m.get("measurement_id", "")),
                )
            )
    history = _history(pid)
    goals = tuple(
        Goal(
            goal_id=str(g.goal_id),
            metric=g.metric,
            label=metric_label(g.metric),
            description=g.description,
            unit=g.unit,
            baseline=g.baseline,
            target=g.target,
            comparator=g.comparator,
            due_date=g.due_date,
            lifecycle_status=g.lifecycle_status,
            achievement_status=g.achievement_status,
            latest_value=g.latest_value,
            latest_on=g.latest_on,
            progress_percent=g.progress_percent,
            set_on=_local_date(g.set_on).date(),
            baseline_visit_id=history.baseline_visits.get(str(g.goal_id), ""),
            starts_on=history.goal_starts.get(str(g.goal_id)),
            lifecycle_history=tuple(history.lifecycles.get(str(g.goal_id), ())),
        )
        for g in rm.GoalView.objects.filter(patient_id=pid).order_by("due_date", "set_on")
    )
    return PatientRecord(
        practice_name=practice.name if practice else "",
        patient_id=str(pid),
        given_name=patient.given_name,
        family_name=patient.family_name,
        date_of_birth=patient.date_of_birth,
        sex=patient.sex,
        diagnoses=tuple((d["code"], d.get("description", "")) for d in patient.diagnoses),
        referring_physician=patient.referring_physician,
        payer=patient.payer,
        payer_member_id=patient.payer_member_id,
        contact=contact_details(patient),
        status=patient.status,
        discharged_on=patient.discharged_on,
        certification_start=cert.certification_start if cert else None,
        certification_end=cert.certification_end if cert else None,
        frequency_per_week=cert.frequency_per_week if cert else None,
        duration_weeks=cert.duration_weeks if cert else None,
        visits_since_report=counter.visits_since_report if counter else 0,
        therapists=tuple(
            Therapist(
                user_id=s.user_id,
                name=s.display_name,
                credentials=s.credentials,
                npi=s.npi,
                licence=s.licence,
            )
            for uid, s in staff.items()
            if uid in set(assigned) or any(v.therapist_id == uid for v in visits_rm)
        ),
        goals=goals,
        discharge=_discharge(patient),
        visits=tuple(visits),
        measurements=tuple(measurements),
        preliminary=_preliminary(analyses, {str(v.visit_id): v.visit_date for v in visits_rm}),
        certifying_physician=(
            f"{cert.physician_name}, NPI {cert.physician_npi}" if cert and cert.physician_npi else ""
        ),
        certification_received_on=cert.certification_received_on if cert else None,
        generated_at=timezone.localtime(),
        certifications=history.certifications,
        practice_address=practice.address if practice else "",
        practice_npi=practice.npi if practice else "",
    )


def _discharge(patient: rm.PatientSummary) -> DischargeSummary | None:
    """The discharge summary the discharge wrote into the read models, or None before discharge."""
    if patient.status != "discharged":
        return None
    return DischargeSummary(
        reason=patient.discharge_reason,
        recommendations=patient.discharge_recommendations,
        home_programme=patient.discharge_home_programme,
        goals=tuple(
            GoalAtDischarge(goal_id=str(g.goal_id), status=g.discharge_status, comment=g.discharge_comment)
            for g in rm.GoalView.objects.filter(patient_id=patient.patient_id).order_by("due_date", "set_on")
            if g.discharge_status
        ),
    )
