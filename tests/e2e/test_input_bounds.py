"""Bounded free text, lists and dates: a clear 400 from the API, a kept form on the pages (issue 11)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from clinic.domain import limits
from clinic.projections.models import GoalView, PatientSummary, VisitView
from tests.factories import due, make_evaluation, make_patient, make_practice

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def assert_refused(response: Any, code: str, field: str) -> dict[str, Any]:
    """A 400 with the error shape, naming the field."""
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert set(body) == {"code", "message", "details"} and body["code"] == code and body["message"]
    assert field in str(body["details"]), body
    return body


def register_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "given_name": "Lena",
        "family_name": "Hart",
        "date_of_birth": "1970-04-05",
        "sex": "female",
        "diagnoses": [{"code": "M54.50", "description": "Low back pain"}],
        "referring_physician": "Dr Who",
        "payer": "Medicare",
    }
    body.update(changes)
    return body


def test_twenty_thousand_diagnoses_are_refused_and_nothing_is_written() -> None:
    """Today: accepted, an 820 KB caseload row."""
    api = client_for(make_practice().therapist)
    many = [{"code": "M54.50", "description": "Low back pain"}] * 20_000
    assert_refused(
        api.post("/api/patients/", register_body(diagnoses=many), format="json"), "invalid_input", "diagnoses"
    )
    too_long = [{"code": "M54.50", "description": "d" * (limits.DIAGNOSIS_DESCRIPTION_CHARS + 1)}]
    assert_refused(
        api.post("/api/patients/", register_body(diagnoses=too_long), format="json"),
        "invalid_input",
        "description",
    )
    assert_refused(
        api.post("/api/patients/", register_body(date_of_birth="1899-12-31"), format="json"),
        "invalid_date",
        "date_of_birth",
    )
    assert not PatientSummary.objects.exists()
    at_limit = [{"code": "M54.50", "description": "d" * limits.DIAGNOSIS_DESCRIPTION_CHARS}]
    assert (
        api.post("/api/patients/", register_body(diagnoses=at_limit * 12), format="json").status_code == 201
    )


def test_far_future_plan_and_goal_dates_are_refused() -> None:
    """Today: 9999-12-31 accepted for plans of care and goals."""
    practice = make_practice()
    patient = make_patient(practice.therapist)
    api = client_for(practice.therapist)
    plan = api.post(
        f"/api/patients/{patient.id}/plan-of-care/",
        {
            "certification_start": "9999-10-02",
            "certification_end": "9999-12-31",
            "frequency_per_week": 2,
            "duration_weeks": 8,
            "expected_version": patient.version,
        },
        format="json",
    )
    assert_refused(plan, "invalid_date", "certification_start")
    goal = api.post(
        f"/api/patients/{patient.id}/goals/",
        {
            "metric": "gait_speed",
            "target": 1.1,
            "comparator": ">=",
            "due_date": "9999-12-31",
            "expected_version": patient.version,
        },
        format="json",
    )
    body = assert_refused(goal, "invalid_date", "due_date")
    assert (
        body["details"]["latest"]
        == (timezone.localdate() + timedelta(days=limits.MAX_GOAL_HORIZON_DAYS)).isoformat()
    )
    assert not GoalView.objects.exists()


def test_soap_sections_and_amendments_are_bounded() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, version = make_evaluation(practice.therapist, patient)
    api = client_for(practice.therapist)
    note = f"/api/patients/{patient.id}/visits/{visit_id}/note/"
    long = api.put(
        note,
        {"subjective": "s" * (limits.SOAP_SECTION_CHARS + 1), "expected_version": version},
        format="json",
    )
    assert_refused(long, "invalid_input", "subjective")
    lines = "\n".join(["line"] * (limits.SOAP_SECTION_LINES + 1))
    assert_refused(
        api.put(note, {"objective": lines, "expected_version": version}, format="json"),
        "too_many_lines",
        "objective",
    )
    at_limit = {"subjective": "s" * limits.SOAP_SECTION_CHARS, "assessment": "a", "plan": "p"}
    version = api.put(note, {**at_limit, "expected_version": version}, format="json").json()["version"]
    version = api.post(
        f"/api/patients/{patient.id}/visits/{visit_id}/sign/",
        {"expected_version": version, "attest": True},
        format="json",
    ).json()["version"]
    amend = f"/api/patients/{patient.id}/visits/{visit_id}/amendments/"
    long_reason = {
        "reason": "r" * (limits.AMENDMENT_REASON_CHARS + 1),
        "plan": "p",
        "expected_version": version,
        "attest": True,
    }
    assert_refused(api.post(amend, long_reason, format="json"), "invalid_input", "reason")
    for _ in range(limits.AMENDMENTS_PER_VISIT):
        response = api.post(
            amend,
            {"reason": "typo", "plan": "p2", "expected_version": version, "attest": True},
            format="json",
        )
        assert response.status_code == 201
        version = response.json()["version"]
    last = api.post(
        amend, {"reason": "typo", "plan": "p3", "expected_version": version, "attest": True}, format="json"
    )
    assert_refused(last, "too_many_amendments", "max_items")


def test_the_schema_declares_the_bounds() -> None:
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    register = schemas["RegisterInRequest"]["properties"]
    assert register["diagnoses"]["maxItems"] == limits.DIAGNOSES_PER_PATIENT
    assert register["family_name"]["maxLength"] == limits.PERSON_NAME_CHARS
    assert register["payer"]["maxLength"] == limits.PAYER_CHARS
    assert (
        schemas["DiagnosisInRequest"]["properties"]["description"]["maxLength"]
        == limits.DIAGNOSIS_DESCRIPTION_CHARS
    )
    for section in ("subjective", "objective", "assessment", "plan"):
        assert schemas["SoapInRequest"]["properties"][section]["maxLength"] == limits.SOAP_SECTION_CHARS
    assert schemas["AmendInRequest"]["properties"]["reason"]["maxLength"] == limits.AMENDMENT_REASON_CHARS
    assert schemas["GoalInRequest"]["properties"]["description"]["maxLength"] == limits.GOAL_DESCRIPTION_CHARS
    plan = schemas["PlanInRequest"]["properties"]
    assert (plan["frequency_per_week"]["minimum"], plan["frequency_per_week"]["maximum"]) == (1, 7)


def test_pages_keep_what_was_typed_when_refused(client) -> None:  # type: ignore[no-untyped-def]
    """A refused note or goal comes back on the page with the reason; nothing is written."""
    practice = make_practice()
    patient = make_patient(practice.therapist)
    client.force_login(practice.therapist)
    typed = "Strength R<L, gait antalgic\n" * limits.SOAP_SECTION_LINES + "one line too many"
    page = client.post(
        f"/patients/{patient.id}/visits/new/",
        {
            "expected_version": patient.version,
            "visit_type": "evaluation",
            "visit_date": date.today().isoformat(),
            "subjective": typed,
        },
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert f"at most {limits.SOAP_SECTION_LINES} are allowed" in html
    assert "Strength R&lt;L, gait antalgic" in html and "one line too many</textarea>" in html
    assert not VisitView.objects.filter(patient_id=patient.id).exists()

    description = "Walk to the mailbox without a cane"
    page = client.post(
        f"/patients/{patient.id}/goals/new/",
        {
            "expected_version": patient.version,
            "metric": "gait_speed",
            "comparator": ">=",
            "target": "1.1",
            "due_date": "9999-12-31",
            "description": description,
        },
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert "The due date 9999-12-31 is after" in html and f'value="{description}"' in html
    assert 'max="' + due(limits.MAX_GOAL_HORIZON_DAYS).isoformat() + '"' in html
    assert not GoalView.objects.filter(patient_id=patient.id).exists()
