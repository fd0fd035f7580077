"""Pages. Each view parses a form, calls one service or selector, and renders or redirects."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from clinic import read_cache, selectors
from clinic.access.policy import Forbidden, NotVisible, staff_member
from clinic.domain.errors import DomainError
from clinic.domain.goals import default_description
from clinic.domain.vocabulary import TERMINAL_LIFECYCLE
from clinic.domain.worklist import UNSIGNED_NOTE_FLAG_HOURS
from clinic.eventstore.errors import ConcurrencyConflict
from clinic.projections.models import PatientSummary, VisitView
from clinic.services import goals, patients, visits
from clinic.services.actors import actor_of
from clinic.web import forms

CASELOAD_PAGE = 100
# A long episode holds tens of visits and hundreds of timeline entries: the chart shows the newest
# few in full and pages back through the rest.
CHART_VISITS = 5
CHART_TIMELINE = 20

CASELOAD_SEARCH_CHARS = 100
UNSIGNED_SHOWN = 50  # the longest-waiting notes; the count gives the rest
CASELOAD_SORT_LABELS = {
    "name": "Name",
    "next_visit": "Next visit due",
    "last_visit": "Last visit (longest ago first)",
    "alerts": "Alerts (most urgent first)",
}


def explain_refusal(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ConcurrencyConflict):
        messages.error(
            request,
            "Someone changed this record while you were editing. "
            "The page now shows the latest version; please check and try again.",
        )
    elif isinstance(exc, DomainError | Forbidden):
        messages.error(request, sentence(str(exc)))


def sentence(text: str) -> str:
    """``text`` with its first letter upper-case and the rest as written ("'KNEE' is not an
    ICD-10 code", not ``str.capitalize``'s "'knee' is not an icd-10 code")."""
    return text[:1].upper() + text[1:]


@login_required
def caseload(request: HttpRequest) -> HttpResponse:
    try:
        offset = max(0, int(request.GET.get("offset", "0")))
    except ValueError:
        offset = 0
    search = request.GET.get("q", "")[:CASELOAD_SEARCH_CHARS]
    sort = request.GET.get("sort", "name")
    page = selectors.caseload(user=request.user, offset=offset, limit=CASELOAD_PAGE, search=search, sort=sort)
    due = sum(1 for r in page.rows if any(a.level == "due" for a in r.alerts))
    unsigned = selectors.unsigned_notes(user=request.user)
    context = {
        "is_admin": getattr(staff_member(request.user), "role", "") == "admin",
        "rows": page.rows,
        "count": page.count,
        "due_count": due,
        "offset": offset,
        "previous": max(0, offset - CASELOAD_PAGE) if offset else None,
        "next": offset + CASELOAD_PAGE if offset + CASELOAD_PAGE < page.count else None,
        "search": search,
        "sort": sort if sort in selectors.CASELOAD_SORTS else "name",
        "sorts": CASELOAD_SORT_LABELS,
        "unsigned": unsigned[:UNSIGNED_SHOWN],
        "unsigned_count": len(unsigned),
        "unsigned_overdue": sum(1 for n in unsigned if n.overdue),
        "flag_hours": UNSIGNED_NOTE_FLAG_HOURS,
    }
    return render(request, "clinic/caseload.html", context)


@login_required
def patient_new(request: HttpRequest) -> HttpResponse:
    form = forms.PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            written = patients.patient_register(
                user=request.user,
                given_name=d["given_name"],
                family_name=d["family_name"],
                date_of_birth=d["date_of_birth"],
                sex=d["sex"],
                diagnoses=[(d["diagnosis_code"], d["diagnosis_description"])],
                referring_physician=d["referring_physician"],
                payer=d["payer"],
                payer_member_id=d["payer_member_id"],
                contact={"phone": d["phone"], "email": d["email"], "address": d["address"]},
            )
        except (DomainError, Forbidden) as exc:
            explain_refusal(request, exc)
        else:
            messages.success(request, f"{d['given_name']} {d['family_name']} registered.")
            return redirect("patient", patient_id=written.id)
    # A refused registration comes back with everything typed (the form is bound to the POST).
    status = 400 if request.method == "POST" else 200
    return render(request, "clinic/patient_new.html", {"form": form}, status=status)


def _page_number(request: HttpRequest, name: str) -> int:
    try:
        return max(0, int(request.GET.get(name, "0")))
    except ValueError:
        return 0


def _chart(request: HttpRequest, patient_id: UUID) -> dict[str, Any]:
    """The chart with one page of visits (``vpage``) and of the timeline (``tpage``, of ``kind``)."""
    kind = request.GET.get("kind", "")[:40]
    tpage, vpage = _page_number(request, "tpage"), _page_number(request, "vpage")
    try:
        chart = selectors.patient_chart(
            user=request.user,
            patient_id=patient_id,
            timeline_kind=kind,
            timeline_offset=tpage * CHART_TIMELINE,
            timeline_limit=CHART_TIMELINE,
        )
    except NotVisible:
        raise Http404("patient not found") from None
    all_visits = chart["visits"]
    return {
        **chart,
        "all_visits": all_visits,
        "visits": all_visits[vpage * CHART_VISITS : (vpage + 1) * CHART_VISITS],
        "visit_pages": _pager(request, "vpage", vpage, total=len(all_visits), size=CHART_VISITS),
        "timeline_pages": _pager(request, "tpage", tpage, total=chart["timeline_count"], size=CHART_TIMELINE),
        "timeline_kind": kind,
        "timeline_filters": [(k, n, _query(request, kind=k, tpage=None)) for k, n in chart["timeline_kinds"]],
        "timeline_all": _query(request, kind=None, tpage=None),
    }


def _query(request: HttpRequest, **changes: Any) -> str:
    """This page's query string with ``changes`` (None removes a parameter)."""
    query = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = str(value)
    return "?" + query.urlencode() if query else "?"


def _pager(request: HttpRequest, name: str, number: int, *, total: int, size: int) -> dict[str, Any]:
    """Page ``number`` of ``total`` items, ``size`` a page: what it shows and links to its neighbours."""
    last = max(0, (total - 1) // size)
    return {
        "first_item": min(total, number * size + 1),
        "last_item": min(total, (number + 1) * size),
        "total": total,
        "newer": _query(request, **{name: number - 1 if number > 1 else None}) if number else None,
        "older": _query(request, **{name: number + 1}) if number < last else None,
    }


def _patient(request: HttpRequest, patient_id: UUID) -> PatientSummary:
    """The patient alone, read and logged as :func:`_chart` reads it (without the rest of the chart)."""
    try:
        return selectors.patient_get(user=request.user, patient_id=patient_id)
    except NotVisible:
        raise Http404("patient not found") from None


@login_required
def patient(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    return _patient_page(request, patient_id)


def _patient_page(request: HttpRequest, patient_id: UUID, *, status: int = 200, **bound: Any) -> HttpResponse:
    """The patient page; ``bound`` replaces empty forms (``goal_form=...``) with what was typed.

    The chart without typed forms is kept while the read models are unchanged
    (:mod:`clinic.read_cache`, keyed on the user and the query string); a kept chart is still a
    logged read (:func:`_patient` checks visibility and writes the access log, as :func:`_chart`
    does when it is computed). Its CSRF token and new-visit id are filled in per request.
    """
    cache_key = (
        None
        if bound
        else read_cache.key("patient_page", request.user.pk, patient_id, request.GET.urlencode())
    )
    chart_html = None if cache_key is None else read_cache.get(cache_key)
    if chart_html is None:
        patient, chart_html = _chart_html(request, patient_id, bound)
        if cache_key is not None:
            read_cache.keep(cache_key, chart_html)
    else:
        patient = _patient(request, patient_id)
    chart_html = chart_html.replace(_CSRF_SLOT, get_token(request)).replace(_NEW_VISIT_SLOT, str(uuid4()))
    context = {"patient": patient, "chart_html": mark_safe(chart_html)}  # rendered by the template engine
    return render(request, "clinic/patient.html", context, status=status)


#: Placeholders in a kept chart for what must differ per request: random, so no text typed into a
#: record can contain them, and escaped by nothing (hex digits).
_CSRF_SLOT = secrets.token_hex(16)
_NEW_VISIT_SLOT = secrets.token_hex(16)


def _chart_html(request: HttpRequest, patient_id: UUID, bound: dict[str, Any]) -> tuple[PatientSummary, str]:
    chart = _chart(request, patient_id)
    version = chart["patient"].stream_version
    today = timezone.localdate()
    actor = actor_of(request.user)
    context = {
        **chart,
        "csrf_token": _CSRF_SLOT,
        # Clinical forms are for clinicians; an administrator reads, exports and manages the team.
        "is_clinician": actor.is_clinician,
        "signer": actor.signature,
        "certify_form": forms.CertificationForm(
            initial={"expected_version": version, "certification_received_on": today}
        ),
        "goal_form": _goal_form(chart["all_visits"], initial={"expected_version": version}),
        "goal_edits": goal_edit_forms(chart["goals"], version=version, bound=bound),
        "note_form": forms.VisitNoteForm(
            initial={
                "visit_id": _NEW_VISIT_SLOT,
                "expected_version": version,
                "visit_date": today,
                "visit_type": "treatment" if chart["all_visits"] else "evaluation",
            }
        ),
        "plan_form": forms.PlanOfCareForm(
            initial={
                "expected_version": version,
                "certification_start": today,
                "frequency_per_week": 2,
                "duration_weeks": 8,
            }
        ),
        "version": version,
        **bound,
    }
    return chart["patient"], render_to_string("clinic/patient_chart.html", context, request=request)


def goal_edit_forms(goals: list[Any], *, version: int, bound: dict[str, Any]) -> list[dict[str, Any]]:
    """Each open goal with its revise and status forms; the one refused keeps what was typed
    (``bound`` names it ``goal_edit_id`` with ``goal_revise_form`` or ``goal_status_form``)."""
    rows = []
    for g in goals:
        if g.lifecycle_status in TERMINAL_LIFECYCLE:
            continue
        mine = bound.get("goal_edit_id") == g.goal_id
        revise = bound.get("goal_revise_form") if mine else None
        status = bound.get("goal_status_form") if mine else None
        rows.append(
            {
                "goal": g,
                "open": mine,
                "revise": revise
                or forms.GoalReviseForm(
                    initial={
                        "expected_version": version,
                        "comparator": g.comparator,
                        "target": g.target,
                        "due_date": g.due_date,
                        # A generated wording is left blank, so it follows a new target or due date.
                        "description": ""
                        if g.description
                        == default_description(
                            g.metric, comparator=g.comparator, target=g.target, due_date=g.due_date
                        )
                        else g.description,
                    },
                    prefix=f"g{g.goal_id.hex[:8]}",
                ),
                "status": status
                or forms.GoalStatusForm(
                    initial={"expected_version": version}, prefix=f"s{g.goal_id.hex[:8]}"
                ),
            }
        )
    return rows


def _post(
    request: HttpRequest,
    patient_id: UUID,
    form_class: Callable[[Any], forms.VersionedForm],
    action: Any,
    *,
    form_name: str | None = None,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """Run ``action(cleaned_data)`` for a valid POST and come back to the patient page.

    A refused form named ``form_name`` is shown again on the page (status 400) with what was
    typed and the reason, instead of losing a long note to a redirect.
    """
    if request.method != "POST":
        return redirect("patient", patient_id=patient_id)
    _patient(request, patient_id)  # 404 before anything else for a patient the user may not see
    form = form_class(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field.replace('_', ' ')}: {' '.join(errors)}")
        return _refused(request, patient_id, form_class, form_name, context=context)
    try:
        message = action(form.cleaned_data)
    except NotVisible:
        raise Http404("not found") from None
    except (DomainError, Forbidden, ConcurrencyConflict) as exc:
        explain_refusal(request, exc)
        return _refused(
            request,
            patient_id,
            form_class,
            form_name,
            stale=isinstance(exc, ConcurrencyConflict),
            context=context,
        )
    if message:  # None: nothing new to say (a form sent twice, already acknowledged)
        messages.success(request, message)
    return redirect("patient", patient_id=patient_id)


def _refused(
    request: HttpRequest,
    patient_id: UUID,
    form_class: Callable[[Any], forms.VersionedForm],
    form_name: str | None,
    *,
    stale: bool = False,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """The patient page again with the typed form, or a redirect for forms with nothing typed."""
    if form_name is None:
        return redirect("patient", patient_id=patient_id)
    data = request.POST.copy()
    if stale:  # typed against an old version: offer it again against the latest one
        data["expected_version"] = str(_patient(request, patient_id).stream_version)
    return _patient_page(request, patient_id, status=400, **(context or {}), **{form_name: form_class(data)})


def _goal_form(visits: list[Any], data: Any = None, initial: Any = None) -> forms.GoalForm:
    form = forms.GoalForm(data, initial=initial)
    form.fields["baseline_visit"].choices = forms.visit_choices(visits)  # type: ignore[attr-defined]
    return form


@login_required
def goal_new(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    def act(d: dict[str, Any]) -> str:
        goals.goal_set(
            baseline_visit_id=UUID(d["baseline_visit"]) if d.get("baseline_visit") else None,
            user=request.user,
            patient_id=patient_id,
            metric=d["metric"],
            target=d["target"],
            comparator=d["comparator"],
            due_date=d["due_date"],
            baseline=d["baseline"],
            description=d["description"],
            expected_version=d["expected_version"],
        )
        return "Goal set."

    def form(data: Any) -> forms.GoalForm:  # built after the visibility check in _post
        return _goal_form(list(VisitView.objects.filter(patient_id=patient_id).order_by("-visit_date")), data)

    return _post(request, patient_id, form, act, form_name="goal_form")


@login_required
def visit_new(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    def act(d: dict[str, Any]) -> str | None:
        try:
            visits.visit_document(
                user=request.user,
                patient_id=patient_id,
                visit_id=d["visit_id"],
                visit_type=d["visit_type"],
                visit_date=d["visit_date"],
                subjective=d["subjective"],
                objective=d["objective"],
                assessment=d["assessment"],
                plan=d["plan"],
                prognosis=d["prognosis"],
                procedures=d["procedures"],
                sign=d["sign"],
                attest=d["sign"],  # the box's label is the attestation statement: ticking it affirms it
                expected_version=d["expected_version"],
            )
        except visits.AlreadyRecorded:
            # The form was sent twice and stored once: the first sending's message says so, unless
            # it was already shown.
            return None if _pending_messages(request) else "This visit was already recorded."
        return "Visit recorded and note signed." if d["sign"] else "Visit recorded."

    return _post(request, patient_id, forms.VisitNoteForm, act, form_name="note_form")


def _pending_messages(request: HttpRequest) -> bool:
    """Whether messages wait to be shown (read without consuming them)."""
    storage = messages.get_messages(request)
    pending = len(list(storage)) > 0
    storage.used = False  # keep them for the page that shows them
    return pending


@login_required
def note_sign(request: HttpRequest, patient_id: UUID, visit_id: UUID) -> HttpResponse:
    def act(d: dict[str, Any]) -> str:
        visits.visit_note_sign(
            user=request.user,
            patient_id=patient_id,
            visit_id=visit_id,
            attest=d["attest"],
            expected_version=d["expected_version"],
        )
        return "Note signed and locked."

    return _post(request, patient_id, forms.SignForm, act)


@login_required
def plan_new(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    def act(d: dict[str, Any]) -> str:
        patients.plan_of_care_establish(user=request.user, patient_id=patient_id, **d)
        if d["physician_npi"]:
            return "Plan of care recorded with the physician's certification."
        return "Plan of care recorded; it awaits the physician's signed certification."

    return _post(request, patient_id, forms.PlanOfCareForm, act, form_name="plan_form")


@login_required
def plan_certify(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    def act(d: dict[str, Any]) -> str:
        patients.plan_of_care_certify(user=request.user, patient_id=patient_id, **d)
        return "Physician certification recorded."

    return _post(request, patient_id, forms.CertificationForm, act, form_name="certify_form")
