"""Document downloads from the pages (PDF reports, CSV/JSON measurement exports)."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from clinic.access.policy import Forbidden, NotVisible
from clinic.reports import services
from clinic.reports.http import attachment
from clinic.reports.pdf import UnsupportedReport


@login_required
def report(request: HttpRequest, patient_id: UUID, kind: str) -> HttpResponse:
    try:
        return attachment(services.patient_report(user=request.user, patient_id=patient_id, kind=kind))
    except (NotVisible, UnsupportedReport) as exc:
        raise Http404(str(exc)) from None


@login_required
def export(request: HttpRequest, patient_id: UUID, fmt: str) -> HttpResponse:
    try:
        return attachment(services.patient_export(user=request.user, patient_id=patient_id, fmt=fmt))
    except (NotVisible, UnsupportedReport) as exc:
        raise Http404(str(exc)) from None


@login_required
def fhir_bundle(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    try:
        return attachment(services.patient_fhir(user=request.user, patient_id=patient_id))
    except NotVisible as exc:
        raise Http404(str(exc)) from None


@login_required
def practice_archive(request: HttpRequest) -> HttpResponse:
    try:
        return attachment(services.practice_export(user=request.user))
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from None


@login_required
def progress(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    """Each goal's metric over weeks against its target, and a session-to-session table."""
    try:
        view = services.progress_view(user=request.user, patient_id=patient_id)
    except NotVisible as exc:
        raise Http404(str(exc)) from None
    return render(request, "clinic/progress.html", view)


@login_required
def playback_page(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    """Two recorded landmark sequences side by side on one frame scrubber."""
    try:
        context = services.patient_sequences(user=request.user, patient_id=patient_id)
    except NotVisible as exc:
        raise Http404(str(exc)) from None
    shas = [s["sha256"] for s in context["sequences"]]
    context["a"] = request.GET.get("a") or (shas[0] if shas else "")
    context["b"] = request.GET.get("b") or (shas[-1] if shas else "")
    return render(request, "clinic/playback.html", context)


@login_required
def sequence_json(request: HttpRequest, patient_id: UUID, sha256: str) -> JsonResponse:
    try:
        return JsonResponse(
            services.sequence_playback(user=request.user, patient_id=patient_id, sequence_sha256=sha256)
        )
    except NotVisible as exc:
        raise Http404(str(exc)) from None


@login_required
def recording_export(request: HttpRequest, patient_id: UUID, sha256: str, fmt: str) -> HttpResponse:
    try:
        return attachment(
            services.recording_export(
                user=request.user, patient_id=patient_id, sequence_sha256=sha256, fmt=fmt
            )
        )
    except (NotVisible, UnsupportedReport) as exc:
        raise Http404(str(exc)) from None
