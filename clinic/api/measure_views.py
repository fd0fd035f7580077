"""API of questionnaires: the instruments with their scoring rules, and scoring one at a visit."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic import selectors
from clinic.api.serializers import VersionedIn, WrittenOut
from clinic.domain import questionnaires as q
from clinic.services import outcomes


class InstrumentOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    metric = serializers.CharField()
    items = serializers.ListField(child=serializers.CharField(), help_text="Our short labels, in item order.")
    item_min = serializers.IntegerField()
    item_max = serializers.IntegerField()
    max_missing = serializers.IntegerField()
    mcid_points = serializers.FloatField()
    mcid_percent = serializers.FloatField(allow_null=True)
    higher_is_better = serializers.BooleanField()
    source = serializers.CharField()
    licence = serializers.CharField()


class InstrumentListView(APIView):
    @extend_schema(responses=InstrumentOut(many=True), summary="Questionnaires that can be scored")
    def get(self, request: Request) -> Response:
        return Response(InstrumentOut(q.INSTRUMENTS.values(), many=True).data)


class QuestionnaireView(APIView):
    class ScoreIn(VersionedIn):
        instrument = serializers.ChoiceField(choices=sorted(q.INSTRUMENTS))
        responses = serializers.ListField(
            child=serializers.IntegerField(allow_null=True),
            max_length=max(len(i.items) for i in q.INSTRUMENTS.values()),
            help_text="One answer per item in item order; null for an item left blank.",
        )
        side = serializers.ChoiceField(choices=["", "left", "right", "bilateral"], required=False, default="")

    @extend_schema(
        request=ScoreIn, responses={201: WrittenOut}, summary="Score a questionnaire; the score is recorded"
    )
    def post(self, request: Request, patient_id: UUID, visit_id: UUID) -> Response:
        serializer = self.ScoreIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        written = outcomes.questionnaire_score(
            user=request.user, patient_id=patient_id, visit_id=visit_id, **serializer.validated_data
        )
        return Response(
            WrittenOut({"id": written.id, "version": written.version}).data, status.HTTP_201_CREATED
        )


class UnsignedNoteOut(serializers.Serializer):
    patient_id = serializers.UUIDField()
    patient_name = serializers.CharField()
    visit_id = serializers.UUIDField()
    visit_type = serializers.CharField()
    visit_date = serializers.DateField()
    therapist = serializers.CharField()
    hours = serializers.FloatField(help_text="How long the note has waited for its signature.")
    overdue = serializers.BooleanField(help_text="Unsigned for more than 24 hours.")


class UnsignedNotesView(APIView):
    @extend_schema(
        responses=UnsignedNoteOut(many=True), summary="Unsigned notes of your patients, longest waiting first"
    )
    def get(self, request: Request) -> Response:
        return Response(UnsignedNoteOut(selectors.unsigned_notes(user=request.user), many=True).data)
