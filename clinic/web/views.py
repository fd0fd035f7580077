"""Pages. Each view parses a form, calls one service or selector, and renders or redirects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from clinic import selectors
from clinic.access.policy import Forbidden, NotVisible, staff_member
from clinic.domain.errors import DomainError
from clinic.eventstore.errors import ConcurrencyConflict
from clinic.projections.models import PatientSummary, VisitView
from clinic.services import goals, patients, visits
from clinic.services.actors import is_clinician
from clinic.web import forms

CASELOAD_PAGE = 100


def explain_refusal(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ConcurrencyConflict):
        messages.error(
            request,
            "Someone changed this record while you were editing. "
            "The page now shows the latest version; please check and try again.",
        )
    elif isinstance(exc, DomainError | Forbidden):
        text = str(exc)  # only the first letter raised: capitalize() would lower "NPI" and names
        messages.error(request, text[:1].upper() + text[1:])


@login_required
def caseload(request: HttpRequest) -> HttpResponse:
    try:
        offset = max(0, int(request.GET.get("offset", "0")))
    except ValueError:
        offset = 0
    page = selectors.caseload(user=request.user, offset=offset, limit=CASELOAD_PAGE)
    due = sum(1 for r in page.rows if any(a.level == "due" for a in r.alerts))
    context = {
        "is_admin": getattr(staff_member(request.user), "role", "") == "admin",
        "rows": page.rows,
        "count": page.count,
        "due_count": due,
        "offset": offset,
        "previous": max(0, offset - CASELOAD_PAGE) if offset else None,
        "next": offset + CASELOAD_PAGE if offset + CASELOAD_PAGE < page.count else None,
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
    return render(request, "clinic/patient_new.html", {"form": form})


def _chart(request: HttpRequest, patient_id: UUID) -> dict[str, Any]:
    try:
        return selectors.patient_chart(user=request.user, patient_id=patient_id)
    except NotVisible:
        raise Http404("patient not found") from None


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
    """The patient page; ``bound`` replaces empty forms (``goal_form=...``) with what was typed."""
    chart = _chart(request, patient_id)
    version = chart["patient"].stream_version
    today = timezone.localdate()
    context = {
        **chart,
        # Clinical forms are for clinicians; an administrator reads, exports and manages the team.
        "is_clinician": is_clinician(request.user),
        "signer": ", ".join(part for part in visits.signer_of(request.user) if part),
        "certify_form": forms.CertificationForm(
            initial={"expected_version": version, "certification_received_on": today}
        ),
        "goal_form": _goal_form(chart["visits"], initial={"expected_version": version}),
        "note_form": forms.VisitNoteForm(
            initial={
                "expected_version": version,
                "visit_date": today,
                "visit_type": "treatment" if chart["visits"] else "evaluation",
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
    return render(request, "clinic/patient.html", context, status=status)


def _post(
    request: HttpRequest,
    patient_id: UUID,
    form_class: Callable[[Any], forms.VersionedForm],
    action: Any,
    *,
    form_name: str | None = None,
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
        return _refused(request, patient_id, form_class, form_name)
    try:
        message = action(form.cleaned_data)
    except NotVisible:
        raise Http404("not found") from None
    except (DomainError, Forbidden, ConcurrencyConflict) as exc:
        explain_refusal(request, exc)
        return _refused(
            request, patient_id, form_class, form_name, stale=isinstance(exc, ConcurrencyConflict)
        )
    messages.success(request, message)
    return redirect("patient", patient_id=patient_id)


def _refused(
    request: HttpRequest,
    patient_id: UUID,
    form_class: Callable[[Any], forms.VersionedForm],
    form_name: str | None,
    *,
    stale: bool = False,
) -> HttpResponse:
    """The patient page again with the typed form, or a redirect for forms with nothing typed."""
    if form_name is None:
        return redirect("patient", patient_id=patient_id)
    data = request.POST.copy()
    if stale:  # typed against an old version: offer it again against the latest one
        data["expected_version"] = str(_patient(request, patient_id).stream_version)
    return _patient_page(request, patient_id, status=400, **{form_name: form_class(data)})


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
    def act(d: dict[str, Any]) -> str:
        visit = visits.visit_record(
            user=request.user,
            patient_id=patient_id,
            visit_type=d["visit_type"],
            visit_date=d["visit_date"],
            expected_version=d["expected_version"],
        )
        version = visit.version
        if any(d[k] for k in ("subjective", "objective", "assessment", "plan")):
            version = visits.visit_note_write(
                user=request.user,
                patient_id=patient_id,
                visit_id=visit.id,
                subjective=d["subjective"],
                objective=d["objective"],
                assessment=d["assessment"],
                plan=d["plan"],
                expected_version=version,
            ).version
        if d["sign"]:  # the box's label is the attestation statement: ticking it affirms it
            visits.visit_note_sign(
                user=request.user,
                patient_id=patient_id,
                visit_id=visit.id,
                attest=True,
                expected_version=version,
            )
            return "Visit recorded and note signed."
        return "Visit recorded."

    return _post(request, patient_id, forms.VisitNoteForm, act, form_name="note_form")


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
