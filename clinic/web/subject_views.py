"""The analysed person on the visit page: the still images, and "Analyse this person instead"."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from clinic import selectors
from clinic.access.policy import NotVisible
from clinic.analysis_jobs.config import ConfigError
from clinic.domain.errors import DomainError
from clinic.services import subjects


@login_required
@require_GET
def still(request: HttpRequest, patient_id: UUID, analysis_id: UUID, still_sha256: str) -> HttpResponse:
    """One still of an analysis, for users who may see the patient (404 otherwise); never cached."""
    try:
        data = subjects.analysis_still(
            user=request.user, patient_id=patient_id, analysis_id=analysis_id, sha256=still_sha256
        )
    except NotVisible:
        raise Http404("image not found") from None
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "no-store"  # a patient's image stays out of browser and proxy caches
    return response


@login_required
@require_http_methods(["GET", "POST"])
def rerun(request: HttpRequest, patient_id: UUID, visit_id: UUID, analysis_id: UUID) -> HttpResponse:
    """POST: request the analysis of the same video on the person the form names, back to the visit.
    GET: the form lives on the visit page, so go there (after the same visibility check: 404)."""
    if request.method == "GET":
        try:
            selectors.visit_get(user=request.user, patient_id=patient_id, visit_id=visit_id)
        except NotVisible:
            raise Http404("visit not found") from None
        return redirect("visit", patient_id=patient_id, visit_id=visit_id)
    try:
        person = int(request.POST.get("person", ""))
    except ValueError:
        messages.error(request, "Choose the person to analyse.")
        return redirect("visit", patient_id=patient_id, visit_id=visit_id)
    try:
        subjects.analysis_rerun_on_person(
            user=request.user,
            patient_id=patient_id,
            visit_id=visit_id,
            analysis_id=analysis_id,
            person_id=person,
        )
    except NotVisible:
        raise Http404("analysis not found") from None
    except (DomainError, ConfigError) as exc:
        messages.error(request, str(exc)[:1].upper() + str(exc)[1:])
    else:
        messages.success(request, f"Analysing person {person} instead; the new analysis is listed below.")
    return redirect("visit", patient_id=patient_id, visit_id=visit_id)
