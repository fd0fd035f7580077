"""The live-capture page of a patient (the WebSocket consumer is :mod:`clinic.web.capture_consumer`)."""

from __future__ import annotations

from uuid import UUID

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from analysis import activities
from capture import protocol
from capture.variants import VARIANTS, installed_variants
from clinic import selectors
from clinic.access.policy import NotVisible
from clinic.web import install_assets


# The in-browser pose model (@mediapipe/pose) compiles WebAssembly; no other page may.
@csp_update({"script-src": ["'wasm-unsafe-eval'"]})
@login_required
def capture(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    try:
        chart = selectors.patient_chart(user=request.user, patient_id=patient_id)
    except NotVisible:
        raise Http404("patient not found") from None
    visits = chart["visits"]
    wanted = request.GET.get("visit", "")
    selected = next((v for v in visits if str(v.visit_id) == wanted), visits[0] if visits else None)
    exercise = request.GET.get("exercise", "squat")
    context = {
        "patient": chart["patient"],
        "visits": visits,
        "selected_visit": selected,
        "exercises": [(k, activities.LABELS[k]) for k in protocol.EXERCISES],
        "exercise": exercise if exercise in protocol.EXERCISES else "squat",
        "models": VARIANTS,
        "installed": installed_variants(),
        "browser_mode": install_assets.pose_runtime_current(),
        "ws_path": f"/ws/capture/{patient_id}/",
    }
    return render(request, "capture/live.html", context)
