"""API for the clinician's review of an analysis's preliminary values.

``POST /api/patients/<id>/analyses/<analysis id>/values/<index>/review/`` with
``{"decision": "accept" | "edit" | "reject", "value": <number, edit only>, "reason": <text,
required to edit or reject>, "expected_version": <the patient version you read>}``.
``index`` is the value's position in the analysis's ``metrics`` (as ``GET .../analyses/`` lists
them, each with its ``review`` status). Answers 200 with the patient's new version; 400 for an
invalid decision, a missing reason, a value out of the metric's range or a value reviewed
before; 403 without a valid CSRF token on a session; 404 for an analysis, value or patient the
caller may not see; 409 when ``expected_version`` is stale.
"""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.serializers import VersionedIn, WrittenOut
from clinic.domain import limits
from clinic.services import review


class ReviewIn(VersionedIn):
    decision = serializers.ChoiceField(
        choices=["accept", "edit", "reject"],
        help_text="accept: the machine value enters the record; edit: your value does (with a reason); "
        "reject: nothing does (with a reason).",
    )
    value = serializers.FloatField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Your value, in the metric's unit (edit only).",
    )
    reason = serializers.CharField(
        max_length=limits.REASON_CHARS,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the value was edited or rejected (required for both); kept in the audit trail.",
    )


class AnalysisValueReviewView(APIView):
    @extend_schema(
        request=ReviewIn,
        responses=WrittenOut,
        summary="Accept, edit or reject one preliminary value of an analysis",
    )
    def post(self, request: Request, patient_id: UUID, analysis_id: UUID, index: int) -> Response:
        form = ReviewIn(data=request.data)
        form.is_valid(raise_exception=True)
        written = review.analysis_value_review(
            user=request.user,
            patient_id=patient_id,
            analysis_id=analysis_id,
            index=index,
            **form.validated_data,
        )
        return Response(WrittenOut({"id": written.id, "version": written.version}).data)
