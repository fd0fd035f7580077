"""The upload and analyses endpoints, with the analysis run in-process on the squat clip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from clinic.eventstore import store
from tests.factories import make_evaluation, make_patient, make_practice

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager"), pytest.mark.slow]


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_upload_through_the_api_then_list_the_results(shared_data: Path) -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    url = f"/api/patients/{patient.id}/visits/{visit_id}/"
    video = (shared_data / "videos" / "squats_front.mp4").read_bytes()
    api = _client(practice.therapist)

    form = {"model": "lite", "activity": "squat", "refine_3d": "false"}
    created = api.post(
        url + "videos/", {**form, "file": SimpleUploadedFile("squats.mp4", video)}, format="multipart"
    )
    assert created.status_code == 202, created.content
    body = created.json()
    assert body["duplicate"] is False and body["progress_group"] == f"visit-{visit_id}"
    assert body["status"] == "completed"  # in-process: done before the response

    listed = api.get(url + "analyses/").json()
    assert [a["analysis_id"] for a in listed] == [body["analysis_id"]]
    analysis = listed[0]
    assert analysis["status"] == "completed" and analysis["config"]["activity"] == "squat"
    assert analysis["summary"]["exercise"]["kind"] == "squat"
    assert analysis["summary"]["video"]["frames"] == 65 and analysis["summary"]["video"]["fps"] == 5
    units = {m["metric"]: m["unit"] for m in analysis["metrics"]}
    assert units["squat_complete_reps"] == "count" and units["squat_partial_reps"] == "count"
    assert all(m["unit"] for m in analysis["metrics"])

    again = api.post(
        url + "videos/", {**form, "file": SimpleUploadedFile("copy.mp4", video)}, format="multipart"
    )
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["analysis_id"] == body["analysis_id"]
    assert len(api.get(url + "analyses/").json()) == 1


def test_bad_file_is_400_with_a_sentence_and_hidden_patient_is_404() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    url = f"/api/patients/{patient.id}/visits/{visit_id}/videos/"
    version = store.stream_version(f"patient-{patient.id}")
    text = SimpleUploadedFile("clip.mp4", b"not a video at all\n" * 20)
    refused = _client(practice.therapist).post(url, {"file": text}, format="multipart")
    assert refused.status_code == 400
    assert refused.json() == {
        "code": "upload_refused",
        "message": "clip.mp4 is not a video file OpenCV can read (use mp4, webm, mov or avi).",
        "details": {},
    }
    hidden = _client(practice.other_therapist).post(
        url, {"file": SimpleUploadedFile("clip.mp4", b"x")}, format="multipart"
    )
    assert hidden.status_code == 404
    assert _client(practice.other_therapist).get(url.replace("videos/", "analyses/")).status_code == 404
    assert store.stream_version(f"patient-{patient.id}") == version
