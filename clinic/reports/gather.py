"""Read a patient's read models into a :class:`PatientRecord` (the only Django part of reports)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from django.utils import timezone

from clinic.domain.vocabulary import METRICS, metric_label
from clinic.projections import models as rm
from clinic.reports.model import Goal, Measurement, PatientRecord, Therapist, Visit, amendment_text
from clinic.selectors import contact_details


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
                signed_at=_local_date(v.signed_at) if v.signed_at else None,
                signer_name=v.signer_name,
                signer_credentials=v.signer_credentials,
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
            Therapist(user_id=s.user_id, name=s.display_name, credentials=s.credentials)
            for uid, s in staff.items()
            if uid in set(assigned) or any(v.therapist_id == uid for v in visits_rm)
        ),
        goals=goals,
        visits=tuple(visits),
        measurements=tuple(measurements),
        preliminary=_preliminary(analyses, {str(v.visit_id): v.visit_date for v in visits_rm}),
        certifying_physician=(
            f"{cert.physician_name}, NPI {cert.physician_npi}" if cert and cert.physician_npi else ""
        ),
        certification_received_on=cert.certification_received_on if cert else None,
        generated_at=timezone.localtime(),
    )
