"""Manual measurements and questionnaires through the pages and the API: recorded as final
values with their method, feeding goals; a refused form keeps what was typed."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from clinic.projections.models import GoalView, TimelineEntry, VisitView
from clinic.services import goals, visits
from tests.factories import due, make_evaluation, make_patient, make_practice

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup():  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, version = make_evaluation(practice.therapist, patient)
    return practice, patient.id, visit_id, version


def page_client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_goniometer_range_entered_on_the_page_is_final_and_moves_the_goal(setup) -> None:  # type: ignore[no-untyped-def]
    practice, pid, visit_id, version = setup
    version = goals.goal_set(
        user=practice.therapist, patient_id=pid, metric="knee_flexion_rom", baseline=80, target=110,
        comparator=">=", due_date=due(), expected_version=version,
    ).version  # fmt: skip
    client = page_client(practice.therapist)
    url = f"/patients/{pid}/visits/{visit_id}/measurements/"
    page = client.get(url)
    assert page.status_code == 200 and b"Record a measurement" in page.content
    response = client.post(
        url,
        {"metric": "knee_flexion_rom", "value": "96", "side": "right", "method": "goniometer",
         "expected_version": version},
    )  # fmt: skip
    assert response.status_code == 302
    [m] = VisitView.objects.get(visit_id=visit_id).measurements
    assert (m["value"], m["method"], m["side"]) == (96.0, "goniometer", "right")
    goal = GoalView.objects.get(patient_id=pid)
    assert (goal.latest_value, goal.achievement_status) == (96.0, "improving")
    shown = client.get(url).content.decode()
    assert "96°" in shown and "goniometer" in shown
    assert "96°" in client.get(f"/patients/{pid}/visits/{visit_id}/").content.decode()
    assert TimelineEntry.objects.filter(
        patient_id=pid, summary="Knee flexion range of motion (right): 96 deg by goniometer"
    ).exists()


def test_refused_measurement_keeps_what_was_typed(setup) -> None:  # type: ignore[no-untyped-def]
    practice, pid, visit_id, version = setup
    response = page_client(practice.therapist).post(
        f"/patients/{pid}/visits/{visit_id}/measurements/",
        {"metric": "timed_up_and_go", "value": "14.2", "method": "goniometer", "expected_version": version},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Timed Up and Go is not measured by goniometer" in text
    assert 'value="14.2"' in text
    assert VisitView.objects.get(visit_id=visit_id).measurements == []


def test_questionnaire_page_scores_lefs_and_shows_change_against_the_mcid(setup) -> None:  # type: ignore[no-untyped-def]
    practice, pid, visit_id, version = setup
    therapist = practice.therapist
    version = visits.visit_note_sign(
        attest=True, user=therapist, patient_id=pid, visit_id=visit_id, expected_version=version
    ).version
    first = visits.visit_record(
        user=therapist, patient_id=pid, visit_type="treatment", visit_date=due(-10), expected_version=version
    )
    from clinic.services import outcomes

    version = outcomes.questionnaire_score(
        user=therapist, patient_id=pid, visit_id=first.id, instrument="lefs", responses=[2] * 20,
        expected_version=first.version,
    ).version  # fmt: skip
    later = visits.visit_record(
        user=therapist, patient_id=pid, visit_type="treatment", visit_date=due(-5), expected_version=version
    )
    client = page_client(therapist)
    url = f"/patients/{pid}/visits/{later.id}/questionnaires/lefs/"
    form = {f"item_{n}": "3" for n in range(1, 21)} | {"item_20": "2", "expected_version": later.version}
    assert client.post(url, form).status_code == 302
    [m] = VisitView.objects.get(visit_id=later.id).measurements
    assert (m["metric"], m["value"], m["method"], m["instrument"]) == (
        "lefs_score",
        59.0,
        "questionnaire",
        "lefs",
    )
    assert m["responses"] == [3] * 19 + [2]
    text = client.get(url).content.decode()
    assert "clinically important improvement" in text  # 40 -> 59: 19 points, MCID 9
    assert "Binkley" in text


def test_questionnaire_with_a_blank_item_is_refused_and_keeps_the_answers(setup) -> None:  # type: ignore[no-untyped-def]
    practice, pid, visit_id, version = setup
    form = {f"item_{n}": "4" for n in range(1, 20)} | {"expected_version": version}
    response = page_client(practice.therapist).post(
        f"/patients/{pid}/visits/{visit_id}/questionnaires/lefs/", form
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "cannot be scored with 1 item unanswered" in text
    assert text.count('<option value="4" selected>') == 19


def test_api_scores_quickdash_and_records_a_method(setup) -> None:  # type: ignore[no-untyped-def]
    practice, pid, visit_id, version = setup
    api = APIClient()
    api.force_authenticate(practice.therapist)
    base = f"/api/patients/{pid}/visits/{visit_id}"
    scored = api.post(
        f"{base}/questionnaires/",
        {"instrument": "quickdash", "responses": [3] * 10 + [None], "expected_version": version},
        format="json",
    )
    assert scored.status_code == 201, scored.json()
    too_few = api.post(
        f"{base}/questionnaires/",
        {
            "instrument": "quickdash",
            "responses": [3] * 9 + [None, None],
            "expected_version": scored.json()["version"],
        },
        format="json",
    )
    assert too_few.status_code == 400 and too_few.json()["code"] == "too_many_missing"
    manual = api.post(
        f"{base}/measurements/",
        {
            "metric": "pain_nprs",
            "value": 6,
            "method": "patient-reported",
            "expected_version": scored.json()["version"],
        },
        format="json",
    )
    assert manual.status_code == 201, manual.json()
    typed_as_video = api.post(
        f"{base}/measurements/",
        {"metric": "cadence", "value": 100, "method": "video", "expected_version": manual.json()["version"]},
        format="json",
    )
    assert typed_as_video.status_code == 400  # video values come from reviewing an analysis
    values = VisitView.objects.get(visit_id=visit_id).measurements
    assert [(m["metric"], m["value"], m["method"]) for m in values] == [
        ("quickdash_score", 50.0, "questionnaire"),
        ("pain_nprs", 6.0, "patient-reported"),
    ]
    assert {i["code"] for i in api.get("/api/questionnaires/").json()} == {"lefs", "nprs", "odi", "quickdash"}
    bundle = api.get(f"/api/patients/{pid}/fhir/")
    assert bundle.status_code == 200
    methods = [
        r["resource"]["method"]["coding"][0]["code"]
        for r in json.loads(bundle.content)["entry"]
        if r["resource"]["resourceType"] == "Observation"
    ]
    assert sorted(methods) == ["patient-reported", "questionnaire"]
