"""The visit page's review forms: accept, edit or reject one preliminary value of an analysis.

A reviewed value goes back to the visit page (post/redirect/get). A refused review (no reason,
a value out of range, a stale page) goes back too, with the reason as a message and what was
typed kept in the session for the one form it belongs to, so a long reason is never lost.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from clinic import selectors
from clinic.access.policy import Forbidden, NotVisible
from clinic.domain.errors import DomainError
from clinic.eventstore.errors import ConcurrencyConflict
from clinic.services import review
from clinic.web import forms
from clinic.web.views import explain_refusal

TYPED_KEY = "review_typed"  # session key of a refused review's typed values
DONE = {
    "accept": "Value accepted into the record.",
    "edit": "Edited value recorded.",
    "reject": "Value rejected.",
}


def _back(patient_id: UUID, visit_id: UUID, analysis_id: UUID, index: int) -> HttpResponse:
    url = reverse("visit", kwargs={"patient_id": patient_id, "visit_id": visit_id})
    return redirect(f"{url}#value-{analysis_id}-{index}")


def _keep_typed(request: HttpRequest, analysis_id: UUID, index: int) -> None:
    request.session[TYPED_KEY] = {
        "analysis_id": str(analysis_id),
        "index": index,
        "decision": request.POST.get("decision", "")[:10],
        "value": request.POST.get("value", "")[:40],
        "reason": request.POST.get("reason", "")[:2000],
    }


def typed_for(request: Any, analysis_id: UUID, index: int) -> dict[str, Any] | None:
    """What was typed in the refused review of this value, once (read by the visit page)."""
    session = getattr(request, "session", None)
    typed = session.get(TYPED_KEY) if session is not None else None
    if not typed or typed.get("analysis_id") != str(analysis_id) or typed.get("index") != index:
        return None
    del session[TYPED_KEY]
    return dict(typed)


@login_required
def analysis_value_review(
    request: HttpRequest, patient_id: UUID, visit_id: UUID, analysis_id: UUID, index: int
) -> HttpResponse:
    try:
        selectors.patient_get(user=request.user, patient_id=patient_id)  # 404 first for outsiders
    except NotVisible:
        raise Http404("patient not found") from None
    if request.method != "POST":
        return _back(patient_id, visit_id, analysis_id, index)
    form = forms.ReviewForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field.replace('_', ' ')}: {' '.join(errors)}")
        _keep_typed(request, analysis_id, index)
        return _back(patient_id, visit_id, analysis_id, index)
    d = form.cleaned_data
    try:
        review.analysis_value_review(
            user=request.user,
            patient_id=patient_id,
            analysis_id=analysis_id,
            index=index,
            decision=d["decision"],
            value=d["value"] if d["decision"] == "edit" else None,
            reason=d["reason"],
            expected_version=d["expected_version"],
        )
    except NotVisible:
        raise Http404("not found") from None
    except (DomainError, Forbidden, ConcurrencyConflict) as exc:
        explain_refusal(request, exc)
        _keep_typed(request, analysis_id, index)
        return _back(patient_id, visit_id, analysis_id, index)
    messages.success(request, DONE[d["decision"]])
    return _back(patient_id, visit_id, analysis_id, index)
