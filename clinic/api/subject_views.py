"""API for the analysed person of an analysis: re-run on another person, read its still images.

``POST /api/patients/<id>/visits/<vid>/analyses/<aid>/subject/`` with ``{"person": 2}`` requests the
analysis of the same content on that person (202 with the new analysis id; the same request again
answers the same id). 400 for a person the analysis did not see or already measured, 404 for a
patient, visit or analysis the user may not see.
``GET /api/patients/<id>/analyses/<aid>/stills/<still_sha256>.jpg`` is one of the JPEG stills the
analysis's ``summary.subject`` names (404 otherwise; ``Cache-Control: no-store``).
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.services import analysis as service
from clinic.services import subjects


class PersonIn(serializers.Serializer):
    person = serializers.IntegerField(min_value=1)


class RerunOut(serializers.Serializer):
    analysis_id = serializers.UUIDField()
    status = serializers.CharField()
    progress_group = serializers.CharField()


class SubjectRerunView(APIView):
    @extend_schema(request=PersonIn, responses={202: RerunOut}, summary="Analyse another person of the clip")
    def post(self, request: Request, patient_id: UUID, visit_id: UUID, analysis_id: UUID) -> Response:
        form = PersonIn(data=request.data)
        form.is_valid(raise_exception=True)
        new_id = subjects.analysis_rerun_on_person(
            user=request.user,
            patient_id=patient_id,
            visit_id=visit_id,
            analysis_id=analysis_id,
            person_id=form.validated_data["person"],
        )
        state = service.analysis_state(patient_id, new_id)
        body = {
            "analysis_id": new_id,
            "status": state.status if state else "requested",
            "progress_group": service.progress_group(visit_id),
        }
        return Response(RerunOut(body).data, status=status.HTTP_202_ACCEPTED)


class AnalysisStillView(APIView):
    @extend_schema(
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY}, summary="A still of an analysed person"
    )
    def get(self, request: Request, patient_id: UUID, analysis_id: UUID, still_sha256: str) -> HttpResponse:
        data = subjects.analysis_still(
            user=request.user, patient_id=patient_id, analysis_id=analysis_id, sha256=still_sha256
        )
        response = HttpResponse(data, content_type="image/jpeg")
        response["Cache-Control"] = "no-store"
        return response
