"""Output shapes shared by several API views (inputs are declared beside their views)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from clinic.domain import limits
from clinic.domain.billing import ProcedureLine, bill


class WrittenOut(serializers.Serializer):
    id = serializers.UUIDField()
    version = serializers.IntegerField(help_text="The patient stream's version after the write.")


class AlertOut(serializers.Serializer):
    level = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class PatientOut(serializers.Serializer):
    patient_id = serializers.UUIDField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    sex = serializers.CharField()
    diagnoses = serializers.JSONField()
    referring_physician = serializers.CharField()
    payer = serializers.CharField()
    payer_member_id = serializers.CharField()
    status = serializers.CharField()
    discharged_on = serializers.DateField(allow_null=True)
    last_visit_date = serializers.DateField(allow_null=True)
    visit_count = serializers.IntegerField()
    pii_erased = serializers.BooleanField()
    version = serializers.IntegerField(source="stream_version")


class CaseloadRowOut(serializers.Serializer):
    patient = PatientOut()
    visits_since_report = serializers.IntegerField()
    certification_end = serializers.DateField(allow_null=True)
    therapists = serializers.ListField(child=serializers.CharField())
    alerts = AlertOut(many=True)


class GoalOut(serializers.Serializer):
    goal_id = serializers.UUIDField()
    metric = serializers.CharField()
    description = serializers.CharField()
    unit = serializers.CharField()
    baseline = serializers.FloatField(allow_null=True)
    target = serializers.FloatField()
    comparator = serializers.CharField()
    due_date = serializers.DateField()
    lifecycle_status = serializers.CharField()
    achievement_status = serializers.CharField()
    latest_value = serializers.FloatField(allow_null=True)
    latest_on = serializers.DateField(allow_null=True)
    progress_percent = serializers.FloatField(allow_null=True)


class VisitOut(serializers.Serializer):
    visit_id = serializers.UUIDField()
    visit_type = serializers.CharField()
    therapist_id = serializers.IntegerField()
    visit_date = serializers.DateField()
    note = serializers.JSONField(allow_null=True)
    measurements = serializers.JSONField()
    signed_at = serializers.DateTimeField(allow_null=True)
    signer_name = serializers.CharField()
    signer_credentials = serializers.CharField()
    attestation = serializers.CharField(help_text="The attestation statement the signer affirmed.")
    amendments = serializers.JSONField(
        help_text="Each with its reason, note, signer, attestation and the measurements it records."
    )
    procedures = serializers.JSONField(help_text="[{code, minutes}] as recorded")
    billing = serializers.SerializerMethodField(
        help_text="Units per code by Medicare's 8-minute rule, with the timed minutes and units it used"
    )

    def get_billing(self, visit: Any) -> dict[str, Any]:
        billed = bill([ProcedureLine(code=p["code"], minutes=p["minutes"]) for p in visit.procedures])
        return {
            "lines": [
                {"code": b.code, "label": b.label, "timed": b.timed, "minutes": b.minutes, "units": b.units}
                for b in billed.lines
            ],
            "timed_minutes": billed.timed_minutes,
            "timed_units": billed.timed_units,
            "untimed_units": billed.untimed_units,
        }


class TimelineOut(serializers.Serializer):
    global_position = serializers.IntegerField()
    occurred_on = serializers.DateField()
    recorded_at = serializers.DateTimeField()
    kind = serializers.CharField()
    summary = serializers.CharField()
    actor = serializers.CharField()


class VersionedIn(serializers.Serializer):
    expected_version = serializers.IntegerField(
        min_value=0, help_text="The patient version you last read; a stale one is answered with 409."
    )


def _soap_section() -> serializers.CharField:
    return serializers.CharField(
        max_length=limits.SOAP_SECTION_CHARS,
        required=False,
        allow_blank=True,
        default="",
        help_text=f"At most {limits.SOAP_SECTION_CHARS:,} characters on {limits.SOAP_SECTION_LINES} lines.",
    )


class SoapIn(VersionedIn):
    subjective = _soap_section()
    objective = _soap_section()
    assessment = _soap_section()
    plan = _soap_section()
    prognosis = _soap_section()
