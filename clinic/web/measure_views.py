"""Pages of a visit's final measurements: a manual measurement with its method (goniometer,
stopwatch, patient-reported...) and a scored standard questionnaire, with change against the MCID."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from clinic import selectors
from clinic.access.policy import Forbidden, NotVisible
from clinic.domain import questionnaires as q
from clinic.domain.errors import DomainError
from clinic.domain.present import format_value
from clinic.domain.vocabulary import METRICS, metric_label
from clinic.eventstore.errors import ConcurrencyConflict
from clinic.services import outcomes, visits
from clinic.web.measure_forms import MeasurementForm, QuestionnaireForm
from clinic.web.views import explain_refusal


def _visit(request: HttpRequest, patient_id: UUID, visit_id: UUID) -> tuple[Any, Any]:
    try:
        visit = selectors.visit_get(user=request.user, patient_id=patient_id, visit_id=visit_id)
        patient = selectors.patient_get(user=request.user, patient_id=patient_id)
    except NotVisible:
        raise Http404("visit not found") from None
    return patient, visit


def measurement_rows(visit: Any) -> list[dict[str, Any]]:
    """The visit's final values as a page prints them: label, side, value, method."""
    rows = []
    for m in visit.measurements:
        method = m.get("method", "")
        instrument = q.INSTRUMENTS.get(m.get("instrument", ""))
        rows.append(
            {
                "label": metric_label(m["metric"]),
                "side": m.get("side", ""),
                "text": format_value(m["value"], unit=m["unit"], metric=m["metric"]),
                "method": f"{method}: {instrument.name}" if instrument else method,
            }
        )
    return rows


def _stale(request: HttpRequest, patient_id: UUID, exc: Exception) -> dict[str, str]:
    """The typed form again; after a conflict, against the latest version."""
    data = request.POST.copy()
    if isinstance(exc, ConcurrencyConflict):
        data["expected_version"] = str(
            selectors.patient_get(user=request.user, patient_id=patient_id).stream_version
        )
    return data


@login_required
def measurements(request: HttpRequest, patient_id: UUID, visit_id: UUID) -> HttpResponse:
    patient, visit = _visit(request, patient_id, visit_id)
    form = MeasurementForm(initial={"expected_version": patient.stream_version})
    status = 200
    if request.method == "POST":
        form = MeasurementForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                visits.measurement_record(
                    user=request.user,
                    patient_id=patient_id,
                    visit_id=visit_id,
                    metric=d["metric"],
                    value=d["value"],
                    side=d["side"],
                    method=d["method"],
                    expected_version=d["expected_version"],
                )
            except (DomainError, Forbidden, ConcurrencyConflict) as exc:
                explain_refusal(request, exc)
                form = MeasurementForm(_stale(request, patient_id, exc))
                status = 400
            else:
                known = METRICS[d["metric"]]
                value = format_value(d["value"], unit=known.unit, metric=known.code)
                messages.success(request, f"{known.label} {value} recorded ({d['method']}).")
                return redirect("visit-measurements", patient_id=patient_id, visit_id=visit_id)
        else:
            status = 400
    context = {
        "patient": patient,
        "visit": visit,
        "form": form,
        "rows": measurement_rows(visit),
        "instruments": q.INSTRUMENTS.values(),
    }
    return render(request, "clinic/measurements.html", context, status=status)


def score_history(*, user: Any, patient_id: UUID, instrument: q.Instrument) -> list[dict[str, Any]]:
    """Every final score of ``instrument``'s metric for the patient, oldest first, each with its
    change since the first score and since the previous one, read against the MCID."""
    series = selectors.measurements_of(user=user, patient_id=patient_id, metric=instrument.metric)
    rows: list[dict[str, Any]] = []
    for index, m in enumerate(series):
        row = {**m, "text": format_value(m["value"], unit=m["unit"], metric=m["metric"])}
        if index:
            row["since_first"] = q.change(instrument.code, earlier=series[0]["value"], later=m["value"])
            row["since_previous"] = q.change(
                instrument.code, earlier=series[index - 1]["value"], later=m["value"]
            )
        rows.append(row)
    return rows


@login_required
def questionnaire(request: HttpRequest, patient_id: UUID, visit_id: UUID, code: str) -> HttpResponse:
    patient, visit = _visit(request, patient_id, visit_id)
    instrument = q.INSTRUMENTS.get(code)
    if instrument is None:
        raise Http404("no such questionnaire")
    form = QuestionnaireForm(instrument, initial={"expected_version": patient.stream_version})
    status = 200
    if request.method == "POST":
        form = QuestionnaireForm(instrument, request.POST)
        if form.is_valid():
            try:
                outcomes.questionnaire_score(
                    user=request.user,
                    patient_id=patient_id,
                    visit_id=visit_id,
                    instrument=instrument.code,
                    responses=form.responses(),
                    side=form.cleaned_data["side"],
                    expected_version=form.cleaned_data["expected_version"],
                )
            except (DomainError, Forbidden, ConcurrencyConflict) as exc:
                explain_refusal(request, exc)
                form = QuestionnaireForm(instrument, _stale(request, patient_id, exc))
                status = 400
            else:
                metric = METRICS[instrument.metric]
                shown = format_value(instrument.score(form.responses()), unit=metric.unit, metric=metric.code)
                messages.success(request, f"{instrument.name} scored {shown} and recorded.")
                return redirect("visit-questionnaire", patient_id=patient_id, visit_id=visit_id, code=code)
        else:
            status = 400
    context = {
        "patient": patient,
        "visit": visit,
        "instrument": instrument,
        "metric": METRICS[instrument.metric],
        "form": form,
        "history": score_history(user=request.user, patient_id=patient_id, instrument=instrument),
    }
    return render(request, "clinic/questionnaire.html", context, status=status)
