"""Signed means locked, and clinicians write clinical content, through the API: the refusal's status
and sentence, the physician certification of a plan of care and its caseload alert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from clinic.domain.events import MetricValue
from clinic.domain.visits import ATTESTATION
from clinic.projections.models import VisitView
from tests.e2e.test_api import client_for
from tests.factories import make_evaluation, make_patient, make_practice, store_analysis

pytestmark = pytest.mark.django_db(transaction=True)
NPI = "1234567893"


@pytest.fixture
def signed():  # type: ignore[no-untyped-def]
    """A practice, its patient and their evaluation, signed; returns (practice, patient id, visit id, version)."""
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, version = make_evaluation(practice.therapist, patient)
    api = client_for(practice.therapist)
    response = api.post(
        f"/api/patients/{patient.id}/visits/{visit_id}/sign/",
        {"expected_version": version, "attest": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    return practice, patient.id, visit_id, response.json()["version"]


def test_signing_needs_the_attestation_and_records_it() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, version = make_evaluation(practice.therapist, patient)
    api = client_for(practice.therapist)
    url = f"/api/patients/{patient.id}/visits/{visit_id}/sign/"
    refused = api.post(url, {"expected_version": version, "attest": False}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "attestation_required"
    assert api.post(url, {"expected_version": version, "attest": True}, format="json").status_code == 200
    visit = VisitView.objects.get(visit_id=visit_id)
    assert api.get(f"/api/patients/{patient.id}/visits/{visit_id}/").json()["attestation"] == ATTESTATION
    assert visit.attestation == ATTESTATION and visit.signer_name == "Tess Tester"
    assert visit.signer_credentials == "PT, DPT" and visit.signed_at is not None


def test_nothing_attaches_to_a_signed_visit(signed) -> None:  # type: ignore[no-untyped-def]
    practice, pid, visit_id, version = signed
    api = client_for(practice.therapist)
    v = f"/api/patients/{pid}/visits/{visit_id}"
    video = SimpleUploadedFile("squat.mp4", b"\x00" * 2048, content_type="video/mp4")
    for response in (
        api.post(f"{v}/videos/", {"file": video, "activity": "squat"}, format="multipart"),
        api.post(
            f"{v}/uploads/",
            HTTP_TUS_RESUMABLE="1.0.0",
            HTTP_UPLOAD_LENGTH="2048",
            HTTP_UPLOAD_METADATA="filename c3F1YXQubXA0",
        ),
        api.post(f"{v}/measurements/", {"metric": "gait_speed", "value": 1.0, "expected_version": version}),
        api.put(f"{v}/note/", {"plan": "changed", "expected_version": version}, format="json"),
    ):
        assert response.status_code == 409, response.content
        body = response.json()
        assert body["code"] == "visit_signed"
        assert "Record a new visit as an addendum, or amend the signed note." in body["message"]
    assert VisitView.objects.get(visit_id=visit_id).measurements == []


def test_values_unreviewed_at_signing_are_recorded_through_a_signed_amendment() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    pid = patient.id
    visit_id, version = make_evaluation(practice.therapist, patient)
    knee = MetricValue(metric="knee_flexion_rom", value=68.61, unit="deg", side="left", quality="good")
    analysis_id = store_analysis(pid, visit_id, [knee])  # finished, not reviewed yet
    version = client_for(practice.therapist).post(
        f"/api/patients/{pid}/visits/{visit_id}/sign/", {"expected_version": version + 2, "attest": True},
        format="json",
    ).json()["version"]  # fmt: skip
    api = client_for(practice.therapist)
    review = api.post(
        f"/api/patients/{pid}/analyses/{analysis_id}/values/0/review/",
        {"decision": "accept", "expected_version": version},
        format="json",
    )
    assert review.status_code == 409 and "signed amendment" in review.json()["message"]
    assert VisitView.objects.get(visit_id=visit_id).measurements == []  # nothing under the signed note
    amended = api.post(
        f"/api/patients/{pid}/visits/{visit_id}/amendments/",
        {
            "reason": "Knee range measured on the video after signing",
            "expected_version": version,
            "attest": True,
            "reviews": [{"analysis_id": str(analysis_id), "index": 0, "decision": "accept"}],
        },
        format="json",
    )
    assert amended.status_code == 201, amended.json()
    visit = VisitView.objects.get(visit_id=visit_id)
    [measured] = visit.measurements
    [amendment] = visit.amendments
    assert (measured["metric"], measured["value"]) == ("knee_flexion_rom", 68.61)
    assert measured["amendment_id"] == amendment["amendment_id"] == amended.json()["id"]
    assert amendment["signer_name"] == "Tess Tester" and amendment["attestation"] == ATTESTATION


def test_an_administrator_reads_and_exports_but_writes_no_clinical_content(signed) -> None:  # type: ignore[no-untyped-def]
    practice, pid, visit_id, version = signed
    admin = client_for(practice.admin)  # credentials on file, but the administrator role
    p, v = f"/api/patients/{pid}", f"/api/patients/{pid}/visits/{visit_id}"
    today = timezone.localdate()
    body = {"expected_version": version}
    writes = [
        ("put", f"{v}/note/", {**body, "plan": "x"}),
        ("post", f"{v}/measurements/", {**body, "metric": "cadence", "value": 90}),
        ("post", f"{v}/amendments/", {**body, "reason": "r", "plan": "x", "attest": True}),
        ("post", f"{p}/goals/", {**body, "metric": "cadence", "target": 100, "comparator": ">=",
                                  "due_date": (today + timedelta(days=30)).isoformat()}),
        ("post", f"{p}/visits/", {**body, "visit_type": "treatment", "visit_date": today.isoformat()}),
        ("post", f"{p}/plan-of-care/", {**body, "certification_start": today.isoformat(),
                                         "certification_end": (today + timedelta(days=60)).isoformat(),
                                         "frequency_per_week": 2, "duration_weeks": 8,
                                         "physician_name": "Dr Lena Ortiz", "physician_npi": NPI,
                                         "certification_received_on": today.isoformat()}),
        ("post", f"{p}/plan-of-care/certification/", {**body, "physician_name": "Dr Lena Ortiz",
                                                       "physician_npi": NPI,
                                                       "certification_received_on": today.isoformat()}),
        ("post", f"{p}/discharge/", {**body, "discharged_on": today.isoformat(), "reason": "done"}),
    ]  # fmt: skip
    for method, url, data in writes:
        response = getattr(admin, method)(url, data, format="json")
        assert response.status_code == 403, (url, response.content)
        assert "only a clinician" in response.json()["message"], url
    assert admin.get(f"{p}/").status_code == 200
    assert admin.get(f"{p}/fhir/").status_code == 200
    assert admin.get(f"{p}/reports/progress/").status_code == 200


def test_plan_of_care_certification_and_the_uncertified_treatment_alert() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    _visit_id, version = make_evaluation(practice.therapist, patient)
    api = client_for(practice.therapist)
    p = f"/api/patients/{patient.id}"
    today = timezone.localdate()
    plan = {
        "certification_start": today.isoformat(),
        "certification_end": (today + timedelta(days=60)).isoformat(),
        "frequency_per_week": 2,
        "duration_weeks": 8,
    }
    wrong = api.post(
        f"{p}/plan-of-care/",
        {**plan, "expected_version": version, "physician_name": "Dr O", "physician_npi": "1234567890",
         "certification_received_on": today.isoformat()},
        format="json",
    )  # fmt: skip
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_npi"
    version = api.post(f"{p}/plan-of-care/", {**plan, "expected_version": version}, format="json").json()[
        "version"
    ]
    visit = api.post(
        f"{p}/visits/", {"visit_type": "treatment", "visit_date": today.isoformat(), "expected_version": version},
        format="json",
    )  # fmt: skip
    [row] = api.get("/api/caseload/").json()["results"]
    [alert] = [a for a in row["alerts"] if a["code"] == "plan_uncertified"]
    assert "1 visit without the physician's signed certification" in alert["message"]
    certified = api.post(
        f"{p}/plan-of-care/certification/",
        {"physician_name": "Dr Lena Ortiz, MD", "physician_npi": NPI,
         "certification_received_on": today.isoformat(), "expected_version": visit.json()["version"]},
        format="json",
    )  # fmt: skip
    assert certified.status_code == 201, certified.json()
    [row] = api.get("/api/caseload/").json()["results"]
    assert "plan_uncertified" not in {a["code"] for a in row["alerts"]}
    timeline = [e["summary"] for e in api.get(f"{p}/timeline/").json()]
    assert any("certified by Dr Lena Ortiz, MD (NPI 1234567893)" in s for s in timeline)
    # Recertification: a new plan of care with its own certification event.
    again = api.post(
        f"{p}/plan-of-care/",
        {**plan, "expected_version": certified.json()["version"], "physician_name": "Dr Lena Ortiz, MD",
         "physician_npi": NPI, "certification_received_on": today.isoformat()},
        format="json",
    )  # fmt: skip
    assert again.status_code == 201, again.json()
    timeline = [e["summary"] for e in api.get(f"{p}/timeline/").json()]
    assert any(s.startswith("Plan of care recertified by Dr Lena Ortiz") for s in timeline)
