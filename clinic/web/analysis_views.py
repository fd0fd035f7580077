"""The visit page: upload a video, follow its analysis on a progress bar, read the results."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from analysis import activities
from analysis.protocols import PROTOCOLS
from clinic import selectors
from clinic.access.policy import NotVisible
from clinic.analysis_jobs.config import MODELS, ConfigError
from clinic.analysis_jobs.upload_check import MEDIA_TYPES, UploadRefused
from clinic.domain.errors import DomainError
from clinic.domain.vocabulary import METRICS, metric_label
from clinic.reports.outcomes import outcome_panel
from clinic.services import analysis as service
from clinic.services import uploads
from clinic.services.actors import actor_of
from clinic.web.forms import AmendForm


class VideoForm(forms.Form):
    video = forms.FileField(
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join([*MEDIA_TYPES, "video/*"])}),
    )
    activity = forms.ChoiceField(choices=activities.CHOICES, initial="auto")
    height_m = forms.FloatField(
        required=False, min_value=0.5, max_value=2.5, label="Body height (m)",
        help_text="Gives step length and speed in metres.",
    )  # fmt: skip
    model = forms.ChoiceField(choices=[(m, m) for m in MODELS], initial="full", label="Pose model")


def _metric_rows(analysis: Any) -> list[dict[str, Any]]:
    rows = []
    for m in analysis.metrics:
        known = METRICS.get(m["metric"])
        rows.append({**m, "label": metric_label(m["metric"]), "goal_metric": known is not None})
    return rows


def _absent(analysis: Any) -> dict[str, str]:
    """Why sections are absent, without the outcome test's "not requested" (only a test has one)."""
    absent = ((analysis.summary or {}).get("analysis") or {}).get("absent") or {}
    return {k: v for k, v in absent.items() if not (k == "outcome" and str(v).startswith("not requested"))}


def _received(*, duplicate: bool) -> str:
    if duplicate:
        return "This video was already analysed for this visit; its results are below."
    return "Video received; the analysis is running."


def _confirm_resumable_upload(request: HttpRequest, analyses: list[Any]) -> None:
    """After a resumable upload the page's script loads ``?uploaded=<analysis id>[&duplicate=1]``:
    the same confirmation as after the one-request form, for an analysis of this visit only."""
    uploaded = request.GET.get("uploaded", "")
    if not any(str(a.analysis_id) == uploaded for a in analyses):
        return
    messages.success(request, _received(duplicate=request.GET.get("duplicate") == "1"))


@login_required
def visit(request: HttpRequest, patient_id: UUID, visit_id: UUID) -> HttpResponse:
    form = VideoForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                result = uploads.video_upload(
                    user=request.user,
                    patient_id=patient_id,
                    visit_id=visit_id,
                    uploaded=d["video"],
                    config={"model": d["model"], "activity": d["activity"], "height_m": d["height_m"]},
                )
            except NotVisible:
                raise Http404("visit not found") from None
            except (UploadRefused, ConfigError, DomainError) as exc:
                messages.error(request, str(exc)[:1].upper() + str(exc)[1:])
            else:
                messages.success(request, _received(duplicate=result.duplicate))
                return redirect("visit", patient_id=patient_id, visit_id=visit_id)
        else:
            for errors in form.errors.values():
                messages.error(request, " ".join(errors))
    return visit_page(request, patient_id, visit_id, form=VideoForm() if request.method == "POST" else form)


def visit_page(
    request: HttpRequest,
    patient_id: UUID,
    visit_id: UUID,
    *,
    form: VideoForm | None = None,
    amend_form: AmendForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The visit page; ``amend_form``: a refused amendment, shown again with what was typed."""
    try:
        chart_visit = selectors.visit_get(user=request.user, patient_id=patient_id, visit_id=visit_id)
        patient = selectors.patient_get(user=request.user, patient_id=patient_id)
    except NotVisible:
        raise Http404("visit not found") from None
    analyses = service.visit_analyses(user=request.user, patient_id=patient_id, visit_id=visit_id)
    _confirm_resumable_upload(request, analyses)
    actor = actor_of(request.user)
    context = {
        "patient": patient,
        "visit": chart_visit,
        "is_clinician": actor.is_clinician,
        "signer": actor.signature,
        "locked": chart_visit.signed_at is not None,
        "note": current_note(chart_visit),
        "amend_form": amend_form or AmendForm(initial={"expected_version": patient.stream_version,
                                                       **current_note(chart_visit)}),
        "form": form or VideoForm(),
        "analyses": [
            {
                "row": a,
                "metrics": _metric_rows(a),
                "absent": _absent(a),
                "activity_label": activities.LABELS.get(
                    a.config.get("activity"), str(a.config.get("activity", "")).replace("_", " ").capitalize()
                ),
                "outcome": outcome_panel(patient=patient, visit=chart_visit, analysis=a)
                if a.status == "completed"
                else None,
            }
            for a in analyses
        ],
        "protocols": list(PROTOCOLS.values()),
        "running": any(a.status == "requested" for a in analyses),
        "max_upload_mb": round(settings.MAX_UPLOAD_BYTES / 1e6),
        "max_minutes": round(settings.MAX_VIDEO_DURATION_S / 60),
        "tus_path": reverse("api-visit-uploads", kwargs={"patient_id": patient_id, "visit_id": visit_id}),
        "ws_path": f"/ws/patients/{patient_id}/visits/{visit_id}/analyses/",
        "api_path": reverse("api-visit-analyses", kwargs={"patient_id": patient_id, "visit_id": visit_id}),
    }  # fmt: skip
    return render(request, "clinic/visit.html", context, status=status)


def current_note(visit: Any) -> dict[str, str]:
    """The note as it stands: the latest amendment's, else the signed original (for a new amendment
    to start from)."""
    note = visit.amendments[-1]["note"] if visit.amendments else visit.note
    return {k: (note or {}).get(k, "") for k in ("subjective", "objective", "assessment", "plan")}
