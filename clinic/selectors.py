"""Reads, over read models only. Every read of patient data is written to the access log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Count, OuterRef, Subquery, Window
from django.utils import timezone

from clinic.access import keys
from clinic.access import log as access_log
from clinic.access.policy import NotVisible, staff_member, visible_patients
from clinic.projections import models as rm

# Medicare progress reports: due at least every 10 treatment visits; warn from the 8th.
PROGRESS_REPORT_ALERT_VISITS = 8
PROGRESS_REPORT_DUE_VISITS = 10
# Warn this many days before a plan-of-care certification ends.
CERTIFICATION_ALERT_DAYS = 14


@dataclass(frozen=True)
class Alert:
    level: str  # "warning" or "due"
    code: str
    message: str


@dataclass
class CaseloadRow:
    patient: rm.PatientSummary
    visits_since_report: int
    certification_end: date | None
    therapists: list[str] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


def alerts_for(
    *,
    visits_since_report: int,
    certification_end: date | None,
    active: bool,
    today: date,
    uncertified_visits: int = 0,
) -> list[Alert]:
    """Medicare bookkeeping alerts. ``uncertified_visits``: visits recorded under the current plan
    of care while it awaits the physician's signed certification (treatment without it is at the
    practice's risk: 42 CFR 424.24(c) asks for it within 30 days of the initial evaluation)."""
    if not active:
        return []
    alerts = []
    if visits_since_report >= PROGRESS_REPORT_DUE_VISITS:
        alerts.append(
            Alert(
                "due",
                "progress_report_due",
                f"Progress report due: {visits_since_report} visits since the last one",
            )
        )
    elif visits_since_report >= PROGRESS_REPORT_ALERT_VISITS:
        alerts.append(
            Alert(
                "warning",
                "progress_report_soon",
                f"Progress report due within {PROGRESS_REPORT_DUE_VISITS - visits_since_report} "
                f"visit{'s' if PROGRESS_REPORT_DUE_VISITS - visits_since_report > 1 else ''}",
            )
        )
    if certification_end is None:
        alerts.append(Alert("warning", "no_plan_of_care", "No certified plan of care"))
    elif certification_end < today:
        alerts.append(
            Alert("due", "certification_expired", f"Plan of care certification expired {certification_end}")
        )
    elif certification_end - today <= timedelta(days=CERTIFICATION_ALERT_DAYS):
        alerts.append(
            Alert("warning", "certification_expiring", f"Plan of care certification ends {certification_end}")
        )
    if certification_end is not None and uncertified_visits:
        alerts.append(
            Alert(
                "due",
                "plan_uncertified",
                f"Treating under an uncertified plan of care: {uncertified_visits} "
                f"visit{'s' if uncertified_visits > 1 else ''} without the physician's signed certification",
            )
        )
    return alerts


def _uncertified(cert: rm.Certification | None) -> int:
    return cert.uncertified_visits if cert and cert.certification_received_on is None else 0


@dataclass
class CaseloadPage:
    count: int
    rows: list[CaseloadRow]


def caseload(
    *,
    user: Any,
    today: date | None = None,
    include_discharged: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> CaseloadPage:
    """The patients the user sees (assigned, or the whole practice for an admin), with alerts.

    Sorted by name; ``offset``/``limit`` select a page, and only that page's counters are read.
    A fixed number of queries whatever the page size: the page with its total, counter and
    certification; the therapists of the page's patients with their names; the user's staff row.
    """
    today = today or timezone.localdate()
    patients = visible_patients(user)
    if not include_discharged:
        patients = patients.filter(status="active")
    ordered = patients.annotate(
        caseload_total=Window(Count("*")),  # all matching rows: a window is computed before LIMIT
        caseload_visits_since_report=Subquery(
            rm.ProgressReportCounter.objects.filter(patient_id=OuterRef("patient_id")).values(
                "visits_since_report"
            )[:1]
        ),
        caseload_certification_end=Subquery(
            rm.Certification.objects.filter(patient_id=OuterRef("patient_id")).values("certification_end")[:1]
        ),
        caseload_uncertified_visits=Subquery(
            rm.Certification.objects.filter(
                patient_id=OuterRef("patient_id"), certification_received_on__isnull=True
            ).values("uncertified_visits")[:1]
        ),
    ).order_by("family_name", "given_name", "patient_id")
    patients_list = list(ordered[offset : None if limit is None else offset + limit])
    # An empty page says nothing about the total, except on the first page.
    empty_count = patients.count() if offset and not patients_list else 0
    count = patients_list[0].caseload_total if patients_list else empty_count
    staff = staff_member(user)
    team = _therapist_names(
        patient_ids=[p.patient_id for p in patients_list], practice_id=staff.practice_id if staff else None
    )
    rows = []
    for p in patients_list:
        n = p.caseload_visits_since_report or 0
        end = p.caseload_certification_end
        rows.append(
            CaseloadRow(
                patient=p,
                visits_since_report=n,
                certification_end=end,
                therapists=sorted(team.get(p.patient_id, [])),
                alerts=alerts_for(
                    visits_since_report=n,
                    certification_end=end,
                    active=p.status == "active",
                    today=today,
                    uncertified_visits=p.caseload_uncertified_visits or 0,
                ),
            )
        )
    access_log.record(
        user=user, action="list", object_type="caseload", object_id=staff.practice_id if staff else "-"
    )
    return CaseloadPage(count, rows)


def _therapist_names(*, patient_ids: list[UUID], practice_id: UUID | None) -> dict[UUID, list[str]]:
    """The assigned therapists' names per patient, in one query; ``#<user id>`` for a therapist
    who is not a staff member of ``practice_id``."""
    if not patient_ids:
        return {}
    names = rm.StaffMember.objects.filter(user_id=OuterRef("therapist_id"), practice_id=practice_id)
    team: dict[UUID, list[str]] = {}
    for patient_id, therapist_id, name in (
        rm.Assignment.objects.filter(patient_id__in=patient_ids)
        .annotate(name=Subquery(names.values("display_name")[:1]))
        .values_list("patient_id", "therapist_id", "name")
    ):
        team.setdefault(patient_id, []).append(name if name is not None else f"#{therapist_id}")
    return team


def patient_get(*, user: Any, patient_id: UUID, action: str = "read") -> rm.PatientSummary:
    """The patient if the user may see it; otherwise NotVisible. Logged either way."""
    patient = visible_patients(user).filter(patient_id=patient_id).first()
    if patient is None:
        access_log.record(
            user=user, action=action, object_type="patient", object_id=patient_id, outcome="denied"
        )
        raise NotVisible(f"patient {patient_id} not found")
    access_log.record(user=user, action=action, object_type="patient", object_id=patient_id)
    return patient


def contact_details(patient: rm.PatientSummary) -> dict[str, str] | None:
    """Decrypted contact details, or None once the patient's key has been erased."""
    try:
        return keys.open_json(patient.patient_id, patient.contact_sealed)
    except keys.KeyDestroyed:
        return None


def patient_chart(*, user: Any, patient_id: UUID, today: date | None = None) -> dict[str, Any]:
    """Everything the patient page shows, in one logged read; timeline entries are dicts of
    ``occurred_on``, ``summary`` and ``actor``, newest first."""
    today = today or timezone.localdate()
    patient = patient_get(user=user, patient_id=patient_id)
    counter = rm.ProgressReportCounter.objects.filter(patient_id=patient_id).first()
    cert = rm.Certification.objects.filter(patient_id=patient_id).first()
    visits_since = counter.visits_since_report if counter else 0
    names = dict(
        rm.StaffMember.objects.filter(practice_id=patient.practice_id).values_list("user_id", "display_name")
    )
    return {
        "patient": patient,
        "contact": contact_details(patient),
        "certification": cert,
        "visits_since_report": visits_since,
        "alerts": alerts_for(
            visits_since_report=visits_since,
            certification_end=cert.certification_end if cert else None,
            active=patient.status == "active",
            today=today,
            uncertified_visits=_uncertified(cert),
        ),
        "therapists": care_team(patient_id=patient_id),
        "goals": list(rm.GoalView.objects.filter(patient_id=patient_id).order_by("due_date", "set_on")),
        "visits": list(
            rm.VisitView.objects.filter(patient_id=patient_id).order_by("-visit_date", "-visit_id")
        ),
        # What the page prints of each entry, as dicts: a chart holds hundreds of entries, and model
        # instances (with their timestamps parsed) cost several times more to build.
        "timeline": list(
            rm.TimelineEntry.objects.filter(patient_id=patient_id)
            .order_by("-global_position")
            .values("occurred_on", "summary", "actor")
        ),
        "staff_names": names,
    }


def care_team(*, patient_id: UUID) -> list[str]:
    """Names of the therapists assigned to a patient the caller has already been allowed to see."""
    ids = rm.Assignment.objects.filter(patient_id=patient_id).values_list("therapist_id", flat=True)
    return sorted(rm.StaffMember.objects.filter(user_id__in=ids).values_list("display_name", flat=True))


def goals_of(*, user: Any, patient_id: UUID) -> list[rm.GoalView]:
    patient_get(user=user, patient_id=patient_id, action="read_goals")
    return list(rm.GoalView.objects.filter(patient_id=patient_id).order_by("due_date", "set_on"))


def visits_of(*, user: Any, patient_id: UUID) -> list[rm.VisitView]:
    patient_get(user=user, patient_id=patient_id, action="read_visits")
    return list(rm.VisitView.objects.filter(patient_id=patient_id).order_by("visit_date"))


def visit_get(*, user: Any, patient_id: UUID, visit_id: UUID) -> rm.VisitView:
    patient_get(user=user, patient_id=patient_id, action="read_visit")
    visit = rm.VisitView.objects.filter(patient_id=patient_id, visit_id=visit_id).first()
    if visit is None:
        raise NotVisible(f"visit {visit_id} not found")
    return visit


def timeline_of(*, user: Any, patient_id: UUID) -> list[rm.TimelineEntry]:
    patient_get(user=user, patient_id=patient_id, action="read_timeline")
    return list(rm.TimelineEntry.objects.filter(patient_id=patient_id).order_by("global_position"))


def therapists_of_practice(*, user: Any) -> list[rm.StaffMember]:
    staff = staff_member(user)
    if staff is None:
        return []
    return list(
        rm.StaffMember.objects.filter(practice_id=staff.practice_id, role="therapist").order_by(
            "display_name"
        )
    )
