"""API views: parse input, call one service or selector, shape the output."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic import selectors
from clinic.api.serializers import (
    CaseloadRowOut,
    GoalOut,
    PatientOut,
    SoapIn,
    TimelineOut,
    VersionedIn,
    VisitOut,
    WrittenOut,
)
from clinic.domain import limits
from clinic.domain.billing import MAX_LINE_MINUTES, PROCEDURES
from clinic.domain.errors import DomainError
from clinic.domain.visits import ATTESTATION
from clinic.domain.vocabulary import (
    DISCHARGE_OUTCOMES,
    ENTERED_METHODS,
    METRICS,
    Comparator,
    GoalLifecycle,
    Sex,
    VisitType,
)
from clinic.reports import services as report_services
from clinic.reports.http import attachment
from clinic.reports.pdf import UnsupportedReport
from clinic.services import goals, patients, practices, visits
from clinic.services.patients import Written


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _written(written: Written, code: int = status.HTTP_200_OK) -> Response:
    return Response(WrittenOut({"id": written.id, "version": written.version}).data, status=code)


#: Largest accepted ``offset``: far beyond any caseload, and within the database's integer range
#: (an unbounded offset reached PostgreSQL as "bigint out of range", a 500).
MAX_PAGE_OFFSET = 1_000_000
MAX_PAGE_LIMIT = 500


class PageIn(serializers.Serializer):
    offset = serializers.IntegerField(min_value=0, max_value=MAX_PAGE_OFFSET, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_LIMIT, default=100)
    include_discharged = serializers.BooleanField(default=False)


def _page_params(request: Request) -> dict[str, Any]:
    serializer = PageIn(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class CaseloadIn(PageIn):
    q = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Name, patient id or member id.",
    )
    sort = serializers.ChoiceField(choices=selectors.CASELOAD_SORTS, default="name")


class CaseloadView(APIView):
    class CaseloadOut(serializers.Serializer):
        count = serializers.IntegerField()
        results = CaseloadRowOut(many=True, source="rows")

    @extend_schema(parameters=[CaseloadIn], responses=CaseloadOut, summary="Your caseload with alerts")
    def get(self, request: Request) -> Response:
        serializer = CaseloadIn(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        params = dict(serializer.validated_data)
        page = selectors.caseload(user=request.user, search=params.pop("q"), **params)
        return Response(self.CaseloadOut(page).data)


class PatientListView(APIView):
    class RegisterIn(serializers.Serializer):
        class DiagnosisIn(serializers.Serializer):
            code = serializers.CharField(max_length=10)
            description = serializers.CharField(
                max_length=limits.DIAGNOSIS_DESCRIPTION_CHARS, required=False, allow_blank=True, default=""
            )

        class ContactIn(serializers.Serializer):
            phone = serializers.CharField(
                max_length=limits.PHONE_CHARS, required=False, allow_blank=True, default=""
            )
            email = serializers.EmailField(
                max_length=limits.EMAIL_CHARS, required=False, allow_blank=True, default=""
            )
            address = serializers.CharField(
                max_length=limits.ADDRESS_CHARS, required=False, allow_blank=True, default=""
            )

        given_name = serializers.CharField(max_length=limits.PERSON_NAME_CHARS)
        family_name = serializers.CharField(max_length=limits.PERSON_NAME_CHARS)
        date_of_birth = serializers.DateField(
            help_text=f"From {limits.EARLIEST_DATE.isoformat()} to today, at most {limits.MAX_AGE_YEARS} years ago."
        )
        sex = serializers.ChoiceField(choices=[s.value for s in Sex])
        # A ListField, not DiagnosisIn(many=True): the schema then shows minItems and maxItems.
        diagnoses = serializers.ListField(
            child=DiagnosisIn(), min_length=1, max_length=limits.DIAGNOSES_PER_PATIENT
        )
        referring_physician = serializers.CharField(max_length=limits.PHYSICIAN_CHARS, allow_blank=True)
        payer = serializers.CharField(max_length=limits.PAYER_CHARS, allow_blank=True)
        payer_member_id = serializers.CharField(
            max_length=limits.PAYER_MEMBER_ID_CHARS, required=False, allow_blank=True, default=""
        )
        contact = ContactIn(required=False)
        therapist_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)

    class PatientPageOut(serializers.Serializer):
        count = serializers.IntegerField()
        results = PatientOut(many=True)

    @extend_schema(
        parameters=[PageIn],
        responses=PatientPageOut,
        summary="Patients you may see",
        operation_id="patients_list",
    )
    def get(self, request: Request) -> Response:
        params = {**_page_params(request), "include_discharged": True}
        page = selectors.caseload(user=request.user, **params)
        return Response(
            self.PatientPageOut({"count": page.count, "results": [r.patient for r in page.rows]}).data
        )

    @extend_schema(request=RegisterIn, responses={201: WrittenOut}, summary="Register a patient")
    def post(self, request: Request) -> Response:
        data = _valid(self.RegisterIn, request)
        written = patients.patient_register(
            user=request.user,
            given_name=data["given_name"],
            family_name=data["family_name"],
            date_of_birth=data["date_of_birth"],
            sex=data["sex"],
            diagnoses=[(d["code"], d["description"]) for d in data["diagnoses"]],
            referring_physician=data["referring_physician"],
            payer=data["payer"],
            payer_member_id=data["payer_member_id"],
            contact=dict(data.get("contact") or {}),
            therapist_ids=data["therapist_ids"],
        )
        return _written(written, status.HTTP_201_CREATED)


class PatientDetailView(APIView):
    class DetailOut(PatientOut):
        contact = serializers.JSONField(allow_null=True, help_text="null once erased")
        therapists = serializers.ListField(child=serializers.CharField())

    @extend_schema(responses=DetailOut, summary="One patient")
    def get(self, request: Request, patient_id: UUID) -> Response:
        patient = selectors.patient_get(user=request.user, patient_id=patient_id)
        data = dict(PatientOut(patient).data)
        data["contact"] = selectors.contact_details(patient)
        data["therapists"] = selectors.care_team(patient_id=patient_id)
        return Response(data)


class AssignmentView(APIView):
    class AssignIn(VersionedIn):
        therapist_id = serializers.IntegerField()

    @extend_schema(request=AssignIn, responses=WrittenOut, summary="Assign a therapist (admin)")
    def post(self, request: Request, patient_id: UUID) -> Response:
        data = _valid(self.AssignIn, request)
        return _written(
            patients.patient_assign_therapist(
                user=request.user,
                patient_id=patient_id,
                therapist_id=data["therapist_id"],
                expected_version=data["expected_version"],
            )
        )


class UnassignView(APIView):
    @extend_schema(request=VersionedIn, responses=WrittenOut, summary="Remove a therapist (admin)")
    def post(self, request: Request, patient_id: UUID, therapist_id: int) -> Response:
        data = _valid(VersionedIn, request)
        return _written(
            patients.patient_unassign_therapist(
                user=request.user,
                patient_id=patient_id,
                therapist_id=therapist_id,
                expected_version=data["expected_version"],
            )
        )


class PlanOfCareView(APIView):
    class PlanIn(VersionedIn):
        certification_start = serializers.DateField(
            help_text=f"At most {limits.MAX_BACKDATE_DAYS} days back or "
            f"{limits.MAX_CERTIFICATION_LEAD_DAYS} days ahead."
        )
        certification_end = serializers.DateField(help_text="At most 90 days after the start.")
        frequency_per_week = serializers.IntegerField(min_value=1, max_value=7)
        duration_weeks = serializers.IntegerField(min_value=1, max_value=52)
        interventions = serializers.CharField(
            max_length=limits.INTERVENTIONS_CHARS, required=False, allow_blank=True, default=""
        )
        physician_name = serializers.CharField(
            max_length=limits.PHYSICIAN_CHARS, required=False, allow_blank=True, default="",
            help_text="The certifying physician, once their signed certification is received.",
        )  # fmt: skip
        physician_npi = serializers.CharField(
            max_length=20, required=False, allow_blank=True, default="",
            help_text="The physician's 10-digit NPI (its check digit is verified).",
        )  # fmt: skip
        certification_received_on = serializers.DateField(
            required=False, allow_null=True, default=None,
            help_text="The date the physician's signed certification was received.",
        )  # fmt: skip

    @extend_schema(
        request=PlanIn, responses={201: WrittenOut},
        summary="Write a plan of care (with its physician certification, if received)",
    )  # fmt: skip
    def post(self, request: Request, patient_id: UUID) -> Response:
        data = _valid(self.PlanIn, request)
        return _written(
            patients.plan_of_care_establish(user=request.user, patient_id=patient_id, **data),
            status.HTTP_201_CREATED,
        )


class PlanCertificationView(APIView):
    class CertifyIn(VersionedIn):
        physician_name = serializers.CharField(max_length=limits.PHYSICIAN_CHARS)
        physician_npi = serializers.CharField(max_length=20)
        certification_received_on = serializers.DateField()

    @extend_schema(
        request=CertifyIn, responses={201: WrittenOut},
        summary="Record the physician's signed certification of the current plan of care",
    )  # fmt: skip
    def post(self, request: Request, patient_id: UUID) -> Response:
        data = _valid(self.CertifyIn, request)
        return _written(
            patients.plan_of_care_certify(user=request.user, patient_id=patient_id, **data),
            status.HTTP_201_CREATED,
        )


class GoalListView(APIView):
    class GoalIn(VersionedIn):
        metric = serializers.ChoiceField(choices=sorted(METRICS))
        target = serializers.FloatField()
        comparator = serializers.ChoiceField(choices=[c.value for c in Comparator])
        due_date = serializers.DateField(
            help_text="From today to the plan of care's end, or at most "
            f"{limits.MAX_GOAL_HORIZON_DAYS} days ahead without a plan."
        )
        unit = serializers.CharField(required=False, allow_null=True, default=None)
        baseline = serializers.FloatField(required=False, allow_null=True, default=None)
        baseline_visit_id = serializers.UUIDField(required=False, allow_null=True, default=None)
        description = serializers.CharField(
            max_length=limits.GOAL_DESCRIPTION_CHARS, required=False, allow_blank=True, default=""
        )
        lifecycle_status = serializers.CharField(required=False, default="active")

    @extend_schema(responses=GoalOut(many=True), summary="Goals with their latest value")
    def get(self, request: Request, patient_id: UUID) -> Response:
        return Response(GoalOut(selectors.goals_of(user=request.user, patient_id=patient_id), many=True).data)

    @extend_schema(request=GoalIn, responses={201: WrittenOut}, summary="Set a goal")
    def post(self, request: Request, patient_id: UUID) -> Response:
        data = _valid(self.GoalIn, request)
        return _written(
            goals.goal_set(user=request.user, patient_id=patient_id, **data), status.HTTP_201_CREATED
        )


class GoalDetailView(APIView):
    class ReviseIn(VersionedIn):
        target = serializers.FloatField()
        comparator = serializers.ChoiceField(choices=[c.value for c in Comparator])
        due_date = serializers.DateField(
            help_text="From today to the plan of care's end (or a year ahead without a plan)."
        )
        description = serializers.CharField(
            max_length=limits.GOAL_DESCRIPTION_CHARS, required=False, allow_blank=True, default=""
        )
        reason = serializers.CharField(
            max_length=limits.REASON_CHARS, required=False, allow_blank=True, default=""
        )

    # PUT: the revisable fields are given whole (metric and baseline are not revisable).
    @extend_schema(
        request=ReviseIn, responses=WrittenOut, summary="Revise a goal's target, due date or wording"
    )
    def put(self, request: Request, patient_id: UUID, goal_id: UUID) -> Response:
        data = _valid(self.ReviseIn, request)
        return _written(goals.goal_revise(user=request.user, patient_id=patient_id, goal_id=goal_id, **data))


class GoalStatusView(APIView):
    class StatusIn(VersionedIn):
        lifecycle_status = serializers.ChoiceField(choices=[s.value for s in GoalLifecycle])
        reason = serializers.CharField(
            max_length=limits.REASON_CHARS, required=False, allow_blank=True, default=""
        )

    @extend_schema(
        request=StatusIn,
        responses=WrittenOut,
        summary="Change a goal's lifecycle status (cancelled or entered-in-error need a reason)",
    )
    def post(self, request: Request, patient_id: UUID, goal_id: UUID) -> Response:
        data = _valid(self.StatusIn, request)
        return _written(
            goals.goal_change_lifecycle(user=request.user, patient_id=patient_id, goal_id=goal_id, **data)
        )


class VisitListView(APIView):
    class VisitIn(VersionedIn):
        visit_type = serializers.ChoiceField(choices=[t.value for t in VisitType])
        visit_date = serializers.DateField(
            help_text=f"Today or at most {limits.MAX_BACKDATE_DAYS} days back."
        )
        therapist_id = serializers.IntegerField(required=False, allow_null=True, default=None)

    @extend_schema(responses=VisitOut(many=True), summary="Visits in date order")
    def get(self, request: Request, patient_id: UUID) -> Response:
        return Response(
            VisitOut(selectors.visits_of(user=request.user, patient_id=patient_id), many=True).data
        )

    @extend_schema(request=VisitIn, responses={201: WrittenOut}, summary="Record a visit")
    def post(self, request: Request, patient_id: UUID) -> Response:
        data = _valid(self.VisitIn, request)
        return _written(
            visits.visit_record(user=request.user, patient_id=patient_id, **data), status.HTTP_201_CREATED
        )


class VisitDetailView(APIView):
    @extend_schema(responses=VisitOut, summary="One visit with its note, signature and amendments")
    def get(self, request: Request, patient_id: UUID, visit_id: UUID) -> Response:
        return Response(
            VisitOut(selectors.visit_get(user=request.user, patient_id=patient_id, visit_id=visit_id)).data
        )


class NoteView(APIView):
    @extend_schema(
        request=SoapIn, responses=WrittenOut, summary="Write or rewrite the SOAP note (until signed)"
    )
    def put(self, request: Request, patient_id: UUID, visit_id: UUID) -> Response:
        data = _valid(SoapIn, request)
        return _written(
            visits.visit_note_write(user=request.user, patient_id=patient_id, visit_id=visit_id, **data)
        )


class MeasurementView(APIView):
    class MeasurementIn(VersionedIn):
        metric = serializers.ChoiceField(choices=sorted(METRICS))
        value = serializers.FloatField()
        unit = serializers.CharField(required=False, allow_null=True, default=None)
        side = serializers.ChoiceField(choices=["", "left", "right", "bilateral"], required=False, default="")
        method = serializers.ChoiceField(
            choices=[str(m) for m in ENTERED_METHODS],
            required=False,
            default="clinician",
            help_text="How the value was measured; it must measure the metric (a goniometer gives degrees).",
        )

    @extend_schema(request=MeasurementIn, responses={201: WrittenOut}, summary="Record a measurement")
    def post(self, request: Request, patient_id: UUID, visit_id: UUID) -> Response:
        data = _valid(self.MeasurementIn, request)
        return _written(
            visits.measurement_record(user=request.user, patient_id=patient_id, visit_id=visit_id, **data),
            status.HTTP_201_CREATED,
        )


class ProceduresView(APIView):
    class LineIn(serializers.Serializer):
        code = serializers.ChoiceField(choices=sorted(PROCEDURES), help_text="a CPT code")
        minutes = serializers.IntegerField(min_value=1, max_value=MAX_LINE_MINUTES)

    class ProceduresIn(VersionedIn):
        procedures = serializers.ListField(max_length=12)

    @extend_schema(
        request=ProceduresIn,
        responses=WrittenOut,
        summary="Record the procedures (CPT code, minutes) of a visit, replacing earlier ones (until signed)",
    )
    def put(self, request: Request, patient_id: UUID, visit_id: UUID) -> Response:
        data = _valid(self.ProceduresIn, request)
        lines = self.LineIn(data=data["procedures"], many=True)
        lines.is_valid(raise_exception=True)
        return _written(
            visits.visit_procedures_record(
                user=request.user, patient_id=patient_id, visit_id=visit_id,
                procedures=[(line["code"], line["minutes"]) for line in lines.validated_data],
                expected_version=data["expected_version"],
            )
        )  # fmt: skip


def _attest() -> serializers.BooleanField:
    return serializers.BooleanField(
        help_text=f'true: the signer affirms the attestation statement: "{ATTESTATION}"'
    )


class SignView(APIView):
    class SignIn(VersionedIn):
        attest = _attest()

    @extend_schema(
        request=SignIn, responses=WrittenOut, summary="Sign and lock the note, with the attestation"
    )
    def post(self, request: Request, patient_id: UUID, visit_id: UUID) -> Response:
        data = _valid(self.SignIn, request)
        return _written(
            visits.visit_note_sign(user=request.user, patient_id=patient_id, visit_id=visit_id, **data)
        )


class AmendmentView(APIView):
    class AmendIn(SoapIn):
        class AmendedValueIn(serializers.Serializer):
            analysis_id = serializers.UUIDField()
            index = serializers.IntegerField(min_value=0)
            decision = serializers.ChoiceField(choices=["accept", "edit", "reject"])
            value = serializers.FloatField(required=False, allow_null=True, default=None)
            reason = serializers.CharField(
                max_length=limits.REASON_CHARS, required=False, allow_blank=True, default=""
            )

        reason = serializers.CharField(max_length=limits.AMENDMENT_REASON_CHARS)
        attest = _attest()
        reviews = AmendedValueIn(
            many=True, required=False, default=list,
            help_text="Machine values of the visit that arrived after signing, recorded by this amendment.",
        )  # fmt: skip

    @extend_schema(request=AmendIn, responses={201: WrittenOut}, summary="Amend a signed note")
    def post(self, request: Request, patient_id: UUID, visit_id: UUID) -> Response:
        data = _valid(self.AmendIn, request)
        return _written(
            visits.visit_note_amend(user=request.user, patient_id=patient_id, visit_id=visit_id, **data),
            status.HTTP_201_CREATED,
        )


class GoalOutcomeIn(serializers.Serializer):
    goal_id = serializers.UUIDField()
    achievement_status = serializers.ChoiceField(choices=[s.value for s in DISCHARGE_OUTCOMES])
    comment = serializers.CharField(
        max_length=limits.REASON_CHARS, required=False, allow_blank=True, default=""
    )


class DischargeView(APIView):
    class DischargeIn(VersionedIn):
        discharged_on = serializers.DateField(
            help_text=f"Today or at most {limits.MAX_BACKDATE_DAYS} days back."
        )
        reason = serializers.CharField(max_length=limits.REASON_CHARS)
        goal_outcomes = GoalOutcomeIn(
            many=True, required=False, default=list, help_text="One for every goal still open."
        )
        recommendations = serializers.CharField(
            max_length=limits.DISCHARGE_TEXT_CHARS, required=False, allow_blank=True, default=""
        )
        home_programme = serializers.CharField(
            max_length=limits.DISCHARGE_TEXT_CHARS, required=False, allow_blank=True, default=""
        )

    @extend_schema(request=DischargeIn, responses=WrittenOut, summary="Discharge the patient with a summary")
    def post(self, request: Request, patient_id: UUID) -> Response:
        data = _valid(self.DischargeIn, request)
        outcomes = [(o["goal_id"], o["achievement_status"], o["comment"]) for o in data.pop("goal_outcomes")]
        return _written(
            patients.patient_discharge(
                user=request.user, patient_id=patient_id, goal_outcomes=outcomes, **data
            )
        )


class TimelineView(APIView):
    @extend_schema(responses=TimelineOut(many=True), summary="The patient's timeline, oldest first")
    def get(self, request: Request, patient_id: UUID) -> Response:
        return Response(
            TimelineOut(selectors.timeline_of(user=request.user, patient_id=patient_id), many=True).data
        )


class ReportView(APIView):
    @extend_schema(
        responses={(200, "application/pdf"): bytes}, summary="PDF report: evaluation, progress or discharge"
    )
    def get(self, request: Request, patient_id: UUID, kind: str) -> HttpResponse:
        try:
            document = report_services.patient_report(user=request.user, patient_id=patient_id, kind=kind)
        except UnsupportedReport as exc:
            raise DomainError(str(exc), code="unsupported_report") from None
        return attachment(document)


class MeasurementExportView(APIView):
    @extend_schema(
        responses={(200, "text/csv"): bytes, (200, "application/json"): dict},
        summary="All measurements over time (csv or json)",
    )
    def get(self, request: Request, patient_id: UUID, fmt: str) -> HttpResponse:
        try:
            document = report_services.patient_export(user=request.user, patient_id=patient_id, fmt=fmt)
        except UnsupportedReport as exc:
            raise DomainError(str(exc), code="unsupported_format") from None
        return attachment(document)


class FhirExportView(APIView):
    @extend_schema(responses={(200, "application/fhir+json"): dict}, summary="FHIR R4 Bundle of the patient")
    def get(self, request: Request, patient_id: UUID) -> HttpResponse:
        return attachment(report_services.patient_fhir(user=request.user, patient_id=patient_id))


class PracticeBillingView(APIView):
    class BillingIn(serializers.Serializer):
        address = serializers.CharField(max_length=300, allow_blank=True)
        npi = serializers.CharField(max_length=10, allow_blank=True, help_text="10 digits, Luhn check digit")

    @extend_schema(
        request=BillingIn,
        responses={204: None},
        summary="Set the practice's address and NPI, printed on every document (admin)",
    )
    def put(self, request: Request) -> Response:
        practices.practice_billing_details_set(user=request.user, **_valid(self.BillingIn, request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PracticeExportView(APIView):
    @extend_schema(
        responses={(200, "application/zip"): bytes}, summary="The whole practice's documents (admin)"
    )
    def get(self, request: Request) -> HttpResponse:
        return attachment(report_services.practice_export(user=request.user))
