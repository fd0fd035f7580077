"""Reads, over read models only. Every read of patient data is written to the access log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Window
from django.utils import timezone

from clinic import read_cache
from clinic.access import keys
from clinic.access import log as access_log
from clinic.access.policy import NotVisible, staff_member, visible_patients
from clinic.domain import worklist
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
    unsigned_overdue: int = 0,
    uncertified_visits: int = 0,
) -> list[Alert]:
    """Medicare bookkeeping alerts. ``uncertified_visits``: visits recorded under the current plan
    of care while it awaits the physician's signed certification (treatment without it is at the
    practice's risk: 42 CFR 424.24(c) asks for it within 30 days of the initial evaluation)."""
    if not active:
        return []
    alerts = []
    if unsigned_overdue:
        alerts.append(
            Alert(
                "due",
                "unsigned_notes",
                f"{unsigned_overdue} note{'s' if unsigned_overdue > 1 else ''} unsigned over "
                f"{worklist.UNSIGNED_NOTE_FLAG_HOURS} h",
            )
        )
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


#: Caseload orders: by name; next visit due (soonest first, patients without a plan last); last
#: visit (longest ago first, never seen first); alerts (most urgent first: due, then warnings).
CASELOAD_SORTS = ("name", "next_visit", "last_visit", "alerts")
_NAME_ORDER = ("family_name", "given_name", "patient_id")
_ORDER_BY: dict[str, tuple[Any, ...]] = {
    "name": _NAME_ORDER,
    "next_visit": (F("next_visit_due").asc(nulls_last=True), *_NAME_ORDER),
    "last_visit": (F("last_visit_date").asc(nulls_first=True), *_NAME_ORDER),
}
# A patient id typed into the search: at least this many of its leading hex digits (fewer would
# match names such as "Abe" against ids).
_ID_PREFIX_MIN = 6
_HEX = frozenset("0123456789abcdef")


def _matching(patients: QuerySet[rm.PatientSummary], search: str) -> QuerySet[rm.PatientSummary]:
    """Patients whose every typed word is in their given or family name, or is the start of their
    patient id (the record number on documents) or their payer member id."""
    for word in search.split()[:5]:
        word = word.strip(",")
        condition = (
            Q(family_name__icontains=word) | Q(given_name__icontains=word) | Q(payer_member_id__iexact=word)
        )
        digits = word.lower().replace("-", "")
        if len(digits) >= _ID_PREFIX_MIN and set(digits) <= _HEX:
            condition |= Q(patient_id__istartswith=digits)
        patients = patients.filter(condition)
    return patients


def caseload(
    *,
    user: Any,
    today: date | None = None,
    now: datetime | None = None,
    include_discharged: bool = False,
    offset: int = 0,
    limit: int | None = None,
    search: str = "",
    sort: str = "name",
) -> CaseloadPage:
    """The patients the user sees (assigned, or the whole practice for an admin), with alerts.

    ``search`` narrows by name or record number; ``sort`` is one of :data:`CASELOAD_SORTS`.
    ``offset``/``limit`` select a page, and only that page's counters are read; sorting by
    alerts reads every matching patient's counters (a few columns each) to rank them with the one
    alert rule, :func:`alerts_for`. Otherwise a fixed number of queries whatever the page size.

    At today's date and the present time (``today`` and ``now`` not given) the page is kept while
    the read models are unchanged (:mod:`clinic.read_cache`); every call writes the access log.
    """
    query = {
        "include_discharged": include_discharged,
        "offset": offset,
        "limit": limit,
        "search": search,
        "sort": sort,
    }
    if today is not None or now is not None:
        page, practice_id = _caseload(user=user, today=today, now=now, **query)
    else:
        cache_key = read_cache.key("caseload", user.pk, *sorted(query.items()))
        kept = read_cache.get(cache_key)
        if kept is None:
            kept = _caseload(user=user, today=None, now=None, **query)
            read_cache.keep(cache_key, kept)
        page, practice_id = kept
    access_log.record(user=user, action="list", object_type="caseload", object_id=practice_id or "-")
    return page


def _caseload(
    *,
    user: Any,
    today: date | None,
    now: datetime | None,
    include_discharged: bool,
    offset: int,
    limit: int | None,
    search: str,
    sort: str,
) -> tuple[CaseloadPage, UUID | None]:
    """:func:`caseload`'s page, and the user's practice (for the access log)."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    if sort not in CASELOAD_SORTS:
        sort = "name"
    patients = visible_patients(user)
    if not include_discharged:
        patients = patients.filter(status="active")
    if search.strip():
        patients = _matching(patients, search)
    annotated = patients.annotate(
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
    )
    end = None if limit is None else offset + limit
    if sort == "alerts":
        ranked = _ranked_by_alerts(annotated, today=today, now=now)
        count = len(ranked)
        page_ids = ranked[offset:end]
        by_id = {p.patient_id: p for p in annotated.filter(patient_id__in=page_ids)}
        patients_list = [by_id[i] for i in page_ids if i in by_id]
    else:
        ordered = annotated.annotate(caseload_total=Window(Count("*"))).order_by(*_ORDER_BY[sort])
        patients_list = list(ordered[offset:end])
        # An empty page says nothing about the total, except on the first page.
        empty_count = patients.count() if offset and not patients_list else 0
        count = patients_list[0].caseload_total if patients_list else empty_count
    staff = staff_member(user)
    team = _therapist_names(
        patient_ids=[p.patient_id for p in patients_list], practice_id=staff.practice_id if staff else None
    )
    late = _overdue_notes(
        rm.VisitView.objects.filter(patient_id__in=[p.patient_id for p in patients_list]), now=now
    )
    rows = []
    for p in patients_list:
        n = p.caseload_visits_since_report or 0
        cert_end = p.caseload_certification_end
        rows.append(
            CaseloadRow(
                patient=p,
                visits_since_report=n,
                certification_end=cert_end,
                therapists=sorted(team.get(p.patient_id, [])),
                alerts=alerts_for(
                    visits_since_report=n,
                    certification_end=cert_end,
                    active=p.status == "active",
                    today=today,
                    unsigned_overdue=late.get(p.patient_id, 0),
                    uncertified_visits=p.caseload_uncertified_visits or 0,
                ),
            )
        )
    return CaseloadPage(count, rows), staff.practice_id if staff else None


def _overdue_notes(visits: QuerySet[rm.VisitView], *, now: datetime) -> dict[UUID, int]:
    """Per patient, how many of ``visits`` have a note unsigned past the worklist's limit."""
    tz = timezone.get_current_timezone()
    late: dict[UUID, int] = {}
    for patient_id, visit_date, recorded_at in visits.filter(signed_at__isnull=True).values_list(
        "patient_id", "visit_date", "recorded_at"
    ):
        hours = worklist.unsigned_hours(visit_date=visit_date, recorded_at=recorded_at, now=now, tz=tz)
        if worklist.overdue(hours):
            late[patient_id] = late.get(patient_id, 0) + 1
    return late


def _ranked_by_alerts(patients: QuerySet[rm.PatientSummary], *, today: date, now: datetime) -> list[UUID]:
    """Patient ids, most urgent first: most "due" alerts, then most warnings, then by name."""
    late = _overdue_notes(rm.VisitView.objects.filter(patient_id__in=patients.values("patient_id")), now=now)
    keyed = []
    for patient_id, family, given, status, since, cert_end, uncertified in patients.values_list(
        "patient_id", "family_name", "given_name", "status", "caseload_visits_since_report",
        "caseload_certification_end", "caseload_uncertified_visits",
    ):  # fmt: skip
        alerts = alerts_for(
            visits_since_report=since or 0,
            certification_end=cert_end,
            active=status == "active",
            today=today,
            unsigned_overdue=late.get(patient_id, 0),
            uncertified_visits=uncertified or 0,
        )
        due = sum(1 for a in alerts if a.level == "due")
        keyed.append(((-due, due - len(alerts), family, given, str(patient_id)), patient_id))
    return [patient_id for _, patient_id in sorted(keyed)]


@dataclass(frozen=True)
class UnsignedNote:
    patient_id: UUID
    patient_name: str
    visit_id: UUID
    visit_type: str
    visit_date: date
    therapist: str
    hours: float
    age: str
    overdue: bool


def unsigned_notes(*, user: Any, now: datetime | None = None) -> list[UnsignedNote]:
    """Every unsigned note of the patients the user sees, longest waiting first, each with its
    age and whether it is past the signing limit (:mod:`clinic.domain.worklist`)."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    staff = staff_member(user)
    patients = visible_patients(user)
    visits = list(
        rm.VisitView.objects.filter(
            signed_at__isnull=True, patient_id__in=patients.values("patient_id")
        ).values_list("patient_id", "visit_id", "visit_type", "visit_date", "therapist_id", "recorded_at")
    )
    names = {
        p: f"{family}, {given}"
        for p, family, given in patients.filter(patient_id__in={v[0] for v in visits}).values_list(
            "patient_id", "family_name", "given_name"
        )
    }
    staff_names = dict(
        rm.StaffMember.objects.filter(practice_id=staff.practice_id if staff else None).values_list(
            "user_id", "display_name"
        )
    )
    notes = []
    for patient_id, visit_id, visit_type, visit_date, therapist_id, recorded_at in visits:
        hours = worklist.unsigned_hours(visit_date=visit_date, recorded_at=recorded_at, now=now, tz=tz)
        notes.append(
            UnsignedNote(
                patient_id=patient_id,
                patient_name=names.get(patient_id, ""),
                visit_id=visit_id,
                visit_type=visit_type,
                visit_date=visit_date,
                therapist=staff_names.get(therapist_id, f"#{therapist_id}"),
                hours=hours,
                age=worklist.age_text(hours),
                overdue=worklist.overdue(hours),
            )
        )
    access_log.record(
        user=user, action="list", object_type="unsigned_notes", object_id=staff.practice_id if staff else "-"
    )
    return sorted(notes, key=lambda n: (-n.hours, n.patient_name, str(n.visit_id)))


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


def patient_chart(
    *,
    user: Any,
    patient_id: UUID,
    today: date | None = None,
    timeline_kind: str = "",
    timeline_offset: int = 0,
    timeline_limit: int | None = None,
) -> dict[str, Any]:
    """Everything the patient page shows, in one logged read; timeline entries are dicts of
    ``occurred_on``, ``summary`` and ``actor``, newest first: of one ``kind`` if given
    ("goal", "measurement", ...), the ``timeline_limit`` from ``timeline_offset``.
    ``timeline_count`` is the number of entries matching, ``timeline_kinds`` each kind's count."""
    today = today or timezone.localdate()
    patient = patient_get(user=user, patient_id=patient_id)
    counter = rm.ProgressReportCounter.objects.filter(patient_id=patient_id).first()
    cert = rm.Certification.objects.filter(patient_id=patient_id).first()
    visits_since = counter.visits_since_report if counter else 0
    names = dict(
        rm.StaffMember.objects.filter(practice_id=patient.practice_id).values_list("user_id", "display_name")
    )
    entries = rm.TimelineEntry.objects.filter(patient_id=patient_id)
    kinds = dict(entries.values_list("kind").annotate(n=Count("*")).values_list("kind", "n"))
    if timeline_kind:
        entries = entries.filter(kind=timeline_kind)
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
            unsigned_overdue=_overdue_notes(
                rm.VisitView.objects.filter(patient_id=patient_id), now=timezone.now()
            ).get(patient_id, 0),
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
            entries.order_by("-global_position").values("occurred_on", "summary", "actor")[
                timeline_offset : None if timeline_limit is None else timeline_offset + timeline_limit
            ]
        ),
        "timeline_count": kinds.get(timeline_kind, 0) if timeline_kind else sum(kinds.values()),
        "timeline_kinds": sorted(kinds.items()),
        "staff_names": names,
    }


def discharged_patients(*, user: Any) -> list[rm.PatientSummary]:
    """The discharged patients the user sees, most recently discharged first."""
    staff = staff_member(user)
    access_log.record(
        user=user, action="list", object_type="discharged", object_id=staff.practice_id if staff else "-"
    )
    return list(
        visible_patients(user)
        .filter(status="discharged")
        .order_by("-discharged_on", "family_name", "given_name")
    )


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


def measurements_of(*, user: Any, patient_id: UUID, metric: str) -> list[dict[str, Any]]:
    """The patient's final values of ``metric``, oldest first, each with its visit's date."""
    patient_get(user=user, patient_id=patient_id, action="read_measurements")
    return [
        {**m, "visit_id": visit_id, "visit_date": visit_date}
        for visit_id, visit_date, values in rm.VisitView.objects.filter(patient_id=patient_id)
        .order_by("visit_date", "visit_id")
        .values_list("visit_id", "visit_date", "measurements")
        for m in values
        if m["metric"] == metric
    ]


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


def validated_accuracy() -> dict[str, dict[str, Any]]:
    """Per metric code, the accuracy the latest validation report (``manage.py validate``) found for
    it, as shown beside a measured value; empty when no report was written."""
    from django.conf import settings

    from clinic.validation.store import accuracy_by_metric

    return accuracy_by_metric(settings.VALIDATION_REPORT_DIR)


def validation_report() -> dict[str, Any] | None:
    """The latest validation report's figures (None before the first ``manage.py validate``)."""
    from django.conf import settings

    from clinic.validation.store import read_latest

    return read_latest(settings.VALIDATION_REPORT_DIR)
