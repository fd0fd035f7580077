"""The live-capture page of a patient (the WebSocket consumer is :mod:`clinic.web.capture_consumer`)."""

from __future__ import annotations

from uuid import UUID

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from analysis import activities
from analysis.protocols import PROTOCOLS
from analysis.stop_rules import COUNTDOWN_S, STOP_RULES
from capture import protocol
from capture.variants import VARIANTS, installed_variants
from clinic import selectors
from clinic.access.policy import NotVisible
from clinic.services.actors import is_clinician
from clinic.web import install_assets


# The in-browser pose model (@mediapipe/pose) compiles WebAssembly; no other page may.
@csp_update({"script-src": ["'wasm-unsafe-eval'"]})
@login_required
def capture(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    try:
        chart = selectors.patient_chart(user=request.user, patient_id=patient_id)
    except NotVisible:
        raise Http404("patient not found") from None
    # A signed visit is locked (the domain refuses a recording of it): only unsigned visits are offered.
    visits = [v for v in chart["visits"] if v.signed_at is None]
    wanted = request.GET.get("visit", "")
    asked = next((v for v in chart["visits"] if str(v.visit_id) == wanted), None)
    selected = next((v for v in visits if str(v.visit_id) == wanted), visits[0] if visits else None)
    exercise = request.GET.get("exercise", "squat")
    refusal = ""
    if not is_clinician(request.user):
        refusal = (
            "Live capture records clinical content, which only clinicians (therapists with credentials) "
            "write. You can read the chart and export documents."
        )
    elif asked is not None and asked.signed_at is not None:
        refusal = (
            f"The {asked.visit_type.replace('_', ' ')} visit of {asked.visit_date:%Y-%m-%d} is signed and "
            "locked, so nothing can be recorded to it. Record a new visit as an addendum, or amend the "
            "signed note."
        )
    context = {
        "refusal": refusal,
        "patient": chart["patient"],
        "visits": visits,
        "selected_visit": selected,
        "exercises": [(k, activities.LABELS[k]) for k in protocol.EXERCISES],
        "exercise": exercise if exercise in protocol.EXERCISES else "squat",
        # The standard tests: the upload form's protocol cards, and how each starts and stops live.
        "protocols": list(PROTOCOLS.values()),
        "stop_rules": {
            a: {"max_s": r.max_s, "counts": r.counts, "text": r.describe()} for a, r in STOP_RULES.items()
        },
        "countdown_s": COUNTDOWN_S,
        "models": VARIANTS,
        "installed": installed_variants(),
        "browser_mode": install_assets.pose_runtime_current(),
        "ws_path": f"/ws/capture/{patient_id}/",
    }
    return render(request, "capture/live.html", context)
