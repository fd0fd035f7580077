"""Amend a signed note from the visit page: the reason, the corrected note, the values that arrived
after signing (each accepted, edited or rejected), signed with the attestation."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from clinic.access.policy import Forbidden, NotVisible
from clinic.domain.errors import DomainError
from clinic.eventstore.errors import ConcurrencyConflict
from clinic.services import visits
from clinic.web.analysis_views import visit_page
from clinic.web.forms import AmendForm
from clinic.web.views import explain_refusal

# A value's fields in the amendment form: review-<analysis id>-<index>-<decision|value|reason>.
_REVIEW = re.compile(r"^review-(?P<analysis>[0-9a-f-]{36})-(?P<index>\d+)-decision$")


def reviews_of(data: Any) -> list[dict[str, Any]]:
    """The values the amendment reviews: those given a decision (an empty one leaves a value as is)."""
    reviews = []
    for key in data:
        match = _REVIEW.match(key)
        if match is None or not data.get(key):
            continue
        prefix = key.removesuffix("-decision")
        reviews.append(
            {
                "analysis_id": match["analysis"],
                "index": int(match["index"]),
                "decision": data[key],
                "value": data.get(f"{prefix}-value", ""),
                "reason": data.get(f"{prefix}-reason", ""),
            }
        )
    return reviews


@login_required
def note_amend(request: HttpRequest, patient_id: UUID, visit_id: UUID) -> HttpResponse:
    if request.method != "POST":
        return redirect("visit", patient_id=patient_id, visit_id=visit_id)
    form = AmendForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field.replace('_', ' ')}: {' '.join(errors)}")
        return visit_page(request, patient_id, visit_id, amend_form=form, status=400)
    d = form.cleaned_data
    try:
        visits.visit_note_amend(
            user=request.user,
            patient_id=patient_id,
            visit_id=visit_id,
            reason=d["reason"],
            subjective=d["subjective"],
            objective=d["objective"],
            assessment=d["assessment"],
            plan=d["plan"],
            attest=d["attest"],
            reviews=reviews_of(request.POST),
            expected_version=d["expected_version"],
        )
    except NotVisible:
        raise Http404("not found") from None
    except (DomainError, Forbidden, ConcurrencyConflict) as exc:
        explain_refusal(request, exc)
        data = request.POST.copy()
        if isinstance(exc, ConcurrencyConflict):  # typed against an old version: offer it again
            data["expected_version"] = str(exc.current_version)
        return visit_page(request, patient_id, visit_id, amend_form=AmendForm(data), status=400)
    messages.success(request, "Amendment signed and added to the record; the original note stays as signed.")
    return redirect("visit", patient_id=patient_id, visit_id=visit_id)
