"""The review endpoint: accept, edit or reject one analysis value; 400, 403, 404 and 409 as the API answers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from clinic.domain.events import MetricValue
from clinic.projections.models import PatientSummary, VisitView
from tests.factories import make_evaluation, make_patient, make_practice, store_analysis

pytestmark = pytest.mark.django_db(transaction=True)

VALUES = (
    MetricValue(
        metric="gait_speed", value=1.1, unit="m/s", quality="good", view="sagittal", method="pelvis travel"
    ),
    MetricValue(
        metric="knee_flexion_rom", value=62.0, unit="deg", side="left", quality="fair", view="sagittal"
    ),
)


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world() -> dict[str, Any]:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    analysis_id = store_analysis(patient.id, visit_id, VALUES)
    return {"practice": practice, "pid": patient.id, "visit_id": visit_id, "analysis_id": analysis_id}


def _version(pid: Any) -> int:
    return PatientSummary.objects.get(patient_id=pid).stream_version


def _url(world: dict[str, Any], index: int, analysis_id: Any = None) -> str:
    return (
        f"/api/patients/{world['pid']}/analyses/{analysis_id or world['analysis_id']}/values/{index}/review/"
    )


def test_values_are_listed_preliminary_then_reviewed(world: dict[str, Any]) -> None:
    api = client_for(world["practice"].therapist)
    listing = f"/api/patients/{world['pid']}/visits/{world['visit_id']}/analyses/"
    [analysis] = api.get(listing).json()
    assert [(m["metric"], m["status"], m["quality"], m["view"]) for m in analysis["metrics"]] == [
        ("gait_speed", "preliminary", "good", "sagittal"),
        ("knee_flexion_rom", "preliminary", "fair", "sagittal"),
    ]
    version = _version(world["pid"])
    done = api.post(_url(world, 1), {"decision": "edit", "value": 55, "reason": "goniometer", "expected_version": version}, format="json")  # fmt: skip
    assert done.status_code == 200 and done.json() == {
        "id": str(world["analysis_id"]),
        "version": version + 2,
    }
    [analysis] = api.get(listing).json()
    knee = analysis["metrics"][1]
    assert (knee["status"], knee["review"]["value"], knee["review"]["reason"]) == (
        "amended",
        55.0,
        "goniometer",
    )
    assert knee["review"]["reviewer"] == "Tess Tester" and analysis["metrics"][0]["review"] is None
    [measured] = VisitView.objects.get(visit_id=world["visit_id"]).measurements
    assert (measured["value"], measured["review"]) == (55.0, "edited")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"decision": "reject"}, "required"),  # a rejection needs a reason
        ({"decision": "edit", "reason": "x"}, "required"),  # an edit needs a value
        ({"decision": "edit", "value": 400, "reason": "x"}, "out_of_range"),
        ({"decision": "approve"}, "invalid_input"),
    ],
)
def test_invalid_reviews_are_400(world: dict[str, Any], body: dict[str, Any], code: str) -> None:
    api = client_for(world["practice"].therapist)
    before = _version(world["pid"])
    response = api.post(_url(world, 1), {**body, "expected_version": before}, format="json")
    assert response.status_code == 400 and response.json()["code"] == code
    assert _version(world["pid"]) == before  # nothing written


def test_a_value_reviewed_twice_is_400_already_reviewed(world: dict[str, Any]) -> None:
    api = client_for(world["practice"].therapist)
    assert api.post(_url(world, 0), {"decision": "accept", "expected_version": _version(world["pid"])}, format="json").status_code == 200  # fmt: skip
    again = api.post(_url(world, 0), {"decision": "accept", "expected_version": _version(world["pid"])}, format="json")  # fmt: skip
    assert again.status_code == 400 and again.json()["code"] == "already_reviewed"


def test_a_session_without_csrf_token_is_403(world: dict[str, Any]) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world["practice"].therapist)
    before = _version(world["pid"])
    response = browser.post(_url(world, 0), {"decision": "accept", "expected_version": before}, content_type="application/json")  # fmt: skip
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert "CSRF" in response.json()["message"]
    assert _version(world["pid"]) == before


def test_unknown_or_hidden_values_are_404(world: dict[str, Any]) -> None:
    version = _version(world["pid"])
    body = {"decision": "accept", "expected_version": version}
    outsider = client_for(world["practice"].other_therapist)  # same practice, not assigned
    assert outsider.post(_url(world, 0), body, format="json").json() == {"code": "not_found", "message": "not found", "details": {}}  # fmt: skip
    api = client_for(world["practice"].therapist)
    for url in (_url(world, 5), _url(world, 0, analysis_id=world["visit_id"])):
        response = api.post(url, body, format="json")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert _version(world["pid"]) == version


def test_a_stale_version_is_409(world: dict[str, Any]) -> None:
    api = client_for(world["practice"].therapist)
    stale = _version(world["pid"]) - 1
    response = api.post(_url(world, 0), {"decision": "accept", "expected_version": stale}, format="json")
    assert response.status_code == 409 and response.json()["details"]["current_version"] == stale + 1
    assert VisitView.objects.get(visit_id=world["visit_id"]).measurements == []
