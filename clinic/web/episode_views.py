"""Pages for the course of an episode: revising and discontinuing goals, discharging the patient
with a discharge summary, and the list of discharged patients."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from clinic import selectors
from clinic.access.policy import Forbidden, NotVisible
from clinic.domain.errors import DomainError
from clinic.domain.vocabulary import TERMINAL_LIFECYCLE
from clinic.eventstore.errors import ConcurrencyConflict
from clinic.projections.models import GoalView
from clinic.services import goals, patients
from clinic.web import forms
from clinic.web.views import _patient, _post, explain_refusal


def _goal(patient_id: UUID, goal_id: UUID) -> GoalView:
    goal = GoalView.objects.filter(patient_id=patient_id, goal_id=goal_id).first()
    if goal is None:
        raise Http404("goal not found")
    return goal


@login_required
def goal_revise(request: HttpRequest, patient_id: UUID, goal_id: UUID) -> HttpResponse:
    def act(d: dict[str, Any]) -> str:
        goals.goal_revise(
            user=request.user,
            patient_id=patient_id,
            goal_id=goal_id,
            target=d["target"],
            comparator=d["comparator"],
            due_date=d["due_date"],
            description=d["description"],
            reason=d["reason"],
            expected_version=d["expected_version"],
        )
        return "Goal revised."

    def form(data: Any) -> forms.GoalReviseForm:
        _goal(patient_id, goal_id)
        return forms.GoalReviseForm(data, prefix=f"g{goal_id.hex[:8]}")

    return _post(
        request, patient_id, form, act, form_name="goal_revise_form", context={"goal_edit_id": goal_id}
    )


@login_required
def goal_status(request: HttpRequest, patient_id: UUID, goal_id: UUID) -> HttpResponse:
    def act(d: dict[str, Any]) -> str:
        goals.goal_change_lifecycle(
            user=request.user,
            patient_id=patient_id,
            goal_id=goal_id,
            lifecycle_status=d["lifecycle_status"],
            reason=d["reason"],
            expected_version=d["expected_version"],
        )
        return f"Goal now {d['lifecycle_status']}."

    def form(data: Any) -> forms.GoalStatusForm:
        _goal(patient_id, goal_id)
        return forms.GoalStatusForm(data, prefix=f"s{goal_id.hex[:8]}")

    return _post(
        request, patient_id, form, act, form_name="goal_status_form", context={"goal_edit_id": goal_id}
    )


@login_required
def discharge(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    """The discharge summary form; on success the patient leaves the caseload for the discharged list."""
    patient = _patient(request, patient_id)
    if patient.status != "active":
        messages.info(request, "This patient has already been discharged.")
        return redirect("patient", patient_id=patient_id)
    open_goals = [
        g
        for g in GoalView.objects.filter(patient_id=patient_id).order_by("due_date", "set_on")
        if g.lifecycle_status not in TERMINAL_LIFECYCLE
    ]
    initial = {"expected_version": patient.stream_version, "discharged_on": timezone.localdate()}
    form = forms.DischargeForm(request.POST or None, goals=open_goals, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else field
                messages.error(request, f"{label or field.replace('_', ' ')}: {' '.join(errors)}")
        else:
            d = form.cleaned_data
            try:
                patients.patient_discharge(
                    user=request.user,
                    patient_id=patient_id,
                    discharged_on=d["discharged_on"],
                    reason=d["reason"],
                    goal_outcomes=form.outcomes(),
                    recommendations=d["recommendations"],
                    home_programme=d["home_programme"],
                    expected_version=d["expected_version"],
                )
            except NotVisible:
                raise Http404("patient not found") from None
            except (DomainError, Forbidden, ConcurrencyConflict) as exc:
                explain_refusal(request, exc)
                if isinstance(exc, ConcurrencyConflict):  # typed against an old version: offer it again
                    data = request.POST.copy()
                    data["expected_version"] = str(_patient(request, patient_id).stream_version)
                    form = forms.DischargeForm(data, goals=open_goals)
            else:
                messages.success(
                    request,
                    f"{patient.given_name} {patient.family_name} discharged; the summary is on the chart.",
                )
                return redirect("discharged")
    return render(request, "clinic/discharge.html", {"patient": patient, "form": form}, status=status)


@login_required
def discharged(request: HttpRequest) -> HttpResponse:
    rows = selectors.discharged_patients(user=request.user)
    return render(request, "clinic/discharged.html", {"rows": rows})
