"""API for offline analysis: upload a video to a visit, list the visit's analyses.

``POST /api/patients/<id>/visits/<vid>/videos/`` (multipart: ``file`` plus optional ``model``,
``activity``, ``height_m``, ``refine_3d``) answers 202 with the analysis id; the analysis runs on
the queue. The same video again answers 200 with the existing analysis (``duplicate: true``).
A refused file is 400 ``{"code": "upload_refused", "message": <one sentence>}``.
``GET .../analyses/`` lists the visit's analyses with their status, results or failure reason;
each value carries its quality, view, method and review ``status`` (``preliminary`` until a
clinician reviews it through ``review_views``), and ``withheld`` lists the values not reported
and why.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis.activities import ACTIVITIES
from clinic.analysis_jobs.config import MODELS, ConfigError
from clinic.analysis_jobs.upload_check import UploadRefused
from clinic.api.errors import error_body
from clinic.services import analysis as service
from clinic.services import uploads


class VideoIn(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    model = serializers.ChoiceField(choices=MODELS, default="full")
    activity = serializers.ChoiceField(choices=ACTIVITIES, default="auto")
    height_m = serializers.FloatField(required=False, allow_null=True, default=None)
    refine_3d = serializers.BooleanField(default=True)


class UploadOut(serializers.Serializer):
    analysis_id = serializers.UUIDField()
    upload_id = serializers.UUIDField(allow_null=True)
    duplicate = serializers.BooleanField()
    status = serializers.CharField()
    progress_group = serializers.CharField()


class ReviewOut(serializers.Serializer):
    status = serializers.CharField(help_text="final (accepted), amended (edited) or rejected")
    decision = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="What entered the record (null if rejected).")
    machine_value = serializers.FloatField(required=False, help_text="What the analysis measured.")
    reason = serializers.CharField()
    reviewer = serializers.CharField(required=False)
    credentials = serializers.CharField(required=False)
    reviewed_at = serializers.CharField(required=False)


class MetricOut(serializers.Serializer):
    metric = serializers.CharField()
    value = serializers.FloatField()
    unit = serializers.CharField()
    side = serializers.CharField()
    quality = serializers.CharField(default="", help_text="good, fair or poor; empty if not graded")
    view = serializers.CharField(default="", help_text="sagittal, frontal or oblique; empty if not known")
    method = serializers.CharField(default="")
    status = serializers.CharField(help_text="preliminary until reviewed; then final, amended or rejected")
    review = ReviewOut(allow_null=True)


class WithheldOut(serializers.Serializer):
    metric = serializers.CharField()
    side = serializers.CharField()
    code = serializers.CharField()
    reason = serializers.CharField()


class AnalysisOut(serializers.Serializer):
    analysis_id = serializers.UUIDField()
    visit_id = serializers.UUIDField()
    source = serializers.CharField()
    status = serializers.CharField()
    config = serializers.JSONField()
    requested_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    software_version = serializers.CharField()
    sequence_sha256 = serializers.CharField()
    content_sha256 = serializers.CharField()
    metrics = serializers.SerializerMethodField()
    withheld = WithheldOut(many=True)
    summary = serializers.JSONField()
    failure_reason = serializers.CharField()

    @extend_schema_field(MetricOut(many=True))
    def get_metrics(self, analysis: Any) -> list[dict[str, Any]]:
        """Each value with its review (index = position, the review endpoint's ``index``)."""
        rows = []
        for index, m in enumerate(analysis.metrics):
            done = analysis.reviews.get(str(index))
            rows.append({**m, "status": done["status"] if done else "preliminary", "review": done})
        return list(MetricOut(rows, many=True).data)


class VideoUploadView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=VideoIn,
        responses={202: UploadOut, 200: UploadOut},
        summary="Upload a video to a visit and queue its analysis",
    )
    def post(self, request: Request, patient_id: UUID, visit_id: UUID) -> Response:
        form = VideoIn(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            result = uploads.video_upload(
                user=request.user,
                patient_id=patient_id,
                visit_id=visit_id,
                uploaded=data["file"],
                config={k: data[k] for k in ("model", "activity", "height_m", "refine_3d")},
            )
        except (UploadRefused, ConfigError) as exc:
            return Response(error_body("upload_refused", str(exc)), status=status.HTTP_400_BAD_REQUEST)
        state = service.analysis_state(patient_id, result.analysis_id)
        body = {
            "analysis_id": result.analysis_id,
            "upload_id": result.upload_id,
            "duplicate": result.duplicate,
            "status": state.status if state else "requested",
            "progress_group": service.progress_group(visit_id),
        }
        code = status.HTTP_200_OK if result.duplicate else status.HTTP_202_ACCEPTED
        return Response(UploadOut(body).data, status=code)


class VisitAnalysesView(APIView):
    @extend_schema(responses=AnalysisOut(many=True), summary="The analyses of a visit, newest first")
    def get(self, request: Request, patient_id: UUID, visit_id: UUID) -> Response:
        rows = service.visit_analyses(user=request.user, patient_id=patient_id, visit_id=visit_id)
        return Response(AnalysisOut(rows, many=True).data)
