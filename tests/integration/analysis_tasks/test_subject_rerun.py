"""Which person an analysis measured, end to end with tasks run in-process: the ``subject`` section
and its sealed stills, a re-run on the other person (also after the video is deleted), the page,
the API, access and erasure. No MediaPipe: recordings are stored landmarks, and the upload's pose
step is replaced by one that returns known landmarks (the real one runs in test_walk_subject.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import cv2
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from capture.sequence import LandmarkSequence, encode_sequence
from capture.still import LANDMARKS_ONLY_NOTE, frames_at
from clinic import blobs
from clinic.access.keys import KeyDestroyed
from clinic.access.models import AccessLogEntry
from clinic.access.policy import NotVisible
from clinic.analysis_jobs.config import AnalysisConfig
from clinic.analysis_jobs.steps import Posed, video_summary
from clinic.analysis_jobs.subject import subject_section
from clinic.domain import commands as c
from clinic.domain.errors import InvalidValue
from clinic.eventstore import store
from clinic.projections import models as rm
from clinic.services import analysis as service
from clinic.services import patients, subjects, uploads
from tests.factories import LIVE_CAPTURE_CLINICIAN, make_evaluation, make_patient, make_practice
from tests.synthetic_video import write_video
from tests.unit.analysis_jobs.squat_pair import FPS, FRAMES, HEIGHT_PX, WIDTH_PX, squat_pair

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager")]
OPTIONS = {"activity": "squat", "refine_3d": False}


def _setup() -> tuple[Any, Any, UUID]:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    return practice, patient, visit_id


def _recording(patient_id: UUID, visit_id: UUID, sequence: LandmarkSequence) -> tuple[UUID, str]:
    """A stopped live recording of ``sequence``, stored as live capture stores one."""
    from clinic.domain.decide import decide_patient
    from clinic.domain.patients import PatientState, evolve
    from clinic.services.streams import execute, patient_stream

    sha = blobs.put("sequence", patient_id, encode_sequence(sequence))
    start = c.StartRecording(
        visit_id=visit_id, exercise="squat", model="full", mode="server", now=timezone.now(),
        actor=LIVE_CAPTURE_CLINICIAN,
    )  # fmt: skip
    stop = c.StopRecording(
        recording_id=start.recording_id, now=timezone.now(), frames=FRAMES, duration_s=FRAMES / FPS,
        sequence_sha256=sha, sampling_rate_hz=FPS,
    )  # fmt: skip
    for command in (start, stop):
        execute(
            patient_stream(patient_id), command, evolve=evolve, initial=PatientState(), decide=decide_patient,
            expected_version=None,
        )  # fmt: skip
    return start.recording_id, sha


def _version(patient_id: UUID) -> int:
    return store.stream_version(f"patient-{patient_id}")


def _jpeg(data: bytes) -> np.ndarray:
    picture = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert picture is not None
    return picture


def _reps(view: rm.AnalysisView) -> list[int]:
    return [r["start_frame"] for r in view.summary["exercise"]["reps"]]


def test_recording_names_its_subject_and_reruns_on_the_other_person(shared_data: Path) -> None:
    practice, patient, visit_id = _setup()
    both, _, _ = squat_pair(shared_data)
    recording_id, sha = _recording(patient.id, visit_id, both)
    first_id = service.analysis_request(
        user_or_actor="task:recording", patient_id=patient.id, visit_id=visit_id, source="recording",
        source_id=recording_id, content_sha256=sha, config=OPTIONS,
    )  # fmt: skip
    first = rm.AnalysisView.objects.get(analysis_id=first_id)
    assert first.status == "completed", first.failure_reason
    section = first.summary["subject"]
    # Person 1 is full size; person 2 is the same squatter at 0.6 of the size: the larger is analysed.
    assert (section["id"], section["rule"]) == (1, "longest_largest")
    assert section["sentence"].startswith("Analysed: person 1 (frames 0-64), ")
    other = next(p for p in section["people"] if p["id"] == 2)
    assert other["description"].endswith("further away")
    # A recording keeps landmarks only: the skeleton is drawn on a canvas of the camera's size.
    assert section["note"] == LANDMARKS_ONLY_NOTE
    still = _jpeg(blobs.get("still", patient.id, section["people"][0]["still"]["sha256"]))
    assert still.shape == (HEIGHT_PX, WIDTH_PX, 3)

    rerun_id = subjects.analysis_rerun_on_person(
        user=practice.therapist, patient_id=patient.id, visit_id=visit_id, analysis_id=first_id, person_id=2
    )
    assert rerun_id != first_id
    rerun = rm.AnalysisView.objects.get(analysis_id=rerun_id)
    assert rerun.status == "completed", rerun.failure_reason
    assert rerun.config == {**first.config, "subject": 2} and rerun.sequence_sha256 == sha
    assert (rerun.summary["subject"]["id"], rerun.summary["subject"]["rule"]) == (2, "override")
    # The other person's landmarks were analysed: the same squats at other times.
    assert _reps(rerun) != _reps(first)
    # Asked again: the same analysis, nothing appended.
    version = _version(patient.id)
    again = subjects.analysis_rerun_on_person(
        user=practice.therapist, patient_id=patient.id, visit_id=visit_id, analysis_id=first_id, person_id=2
    )
    assert again == rerun_id and _version(patient.id) == version
    with pytest.raises(InvalidValue, match=r"Person 5 is not in this video \(people found: 1, 2\)"):
        subjects.analysis_rerun_on_person(
            user=practice.therapist,
            patient_id=patient.id,
            visit_id=visit_id,
            analysis_id=first_id,
            person_id=5,
        )
    with pytest.raises(InvalidValue, match="Person 2 is the person this analysis measured"):
        subjects.analysis_rerun_on_person(
            user=practice.therapist,
            patient_id=patient.id,
            visit_id=visit_id,
            analysis_id=rerun_id,
            person_id=2,
        )
    with pytest.raises(NotVisible):
        subjects.analysis_rerun_on_person(
            user=practice.other_therapist, patient_id=patient.id, visit_id=visit_id, analysis_id=first_id,
            person_id=2,
        )  # fmt: skip
    assert _version(patient.id) == version


def _upload(practice: Any, patient: Any, visit_id: UUID, tmp_path: Path) -> UUID:
    video = write_video(tmp_path / "two.mp4", width_px=WIDTH_PX, height_px=HEIGHT_PX, fps=FPS, frames=FRAMES)
    result = uploads.video_upload(
        user=practice.therapist, patient_id=patient.id, visit_id=visit_id,
        uploaded=SimpleUploadedFile("two.mp4", video.read_bytes(), content_type="video/mp4"), config=OPTIONS,
    )  # fmt: skip
    return result.analysis_id


@pytest.fixture
def known_pose(monkeypatch: pytest.MonkeyPatch, shared_data: Path) -> list[AnalysisConfig]:
    """The upload's pose step returns the squat pair's landmarks, with stills from the video's frames."""
    both, _, _ = squat_pair(shared_data)
    calls: list[AnalysisConfig] = []

    def pose_step(video: Path, *, config: AnalysisConfig, on_frame: Any = None) -> Posed:
        calls.append(config)
        frames = frames_at(video, range(FRAMES))
        section = subject_section(both, subject=config.subject, frames=frames)
        return Posed(sequence=encode_sequence(both), video=video_summary(both), subject=section)

    monkeypatch.setattr("clinic.tasks.pose_step", pose_step)
    return calls


def test_an_upload_reruns_from_its_stored_landmarks_after_the_video_is_deleted(
    known_pose: list[AnalysisConfig], tmp_path: Path
) -> None:
    practice, patient, visit_id = _setup()
    first_id = _upload(practice, patient, visit_id, tmp_path)
    first = rm.AnalysisView.objects.get(analysis_id=first_id)
    assert first.status == "completed", first.failure_reason
    assert first.summary["subject"]["note"] == ""  # every still is a video frame
    assert all(p["still"]["from_video"] for p in first.summary["subject"]["people"])
    assert not blobs.exists("video", patient.id, first.content_sha256)  # the practice keeps no videos
    rerun_id = subjects.analysis_rerun_on_person(
        user=practice.therapist, patient_id=patient.id, visit_id=visit_id, analysis_id=first_id, person_id=2
    )
    rerun = rm.AnalysisView.objects.get(analysis_id=rerun_id)
    assert rerun.status == "completed", rerun.failure_reason
    assert len(known_pose) == 1  # no second pose estimation: the stored landmarks were reused
    assert rerun.sequence_sha256 == first.sequence_sha256 and rerun.content_sha256 == first.content_sha256
    assert rerun.summary["subject"]["id"] == 2 and rerun.summary["video"]["subject"] == 2
    # The stills from the video's frames are kept, although the video is gone.
    assert [p["still"] for p in rerun.summary["subject"]["people"]] == [
        p["still"] for p in first.summary["subject"]["people"]
    ]
    assert _reps(rerun) != _reps(first)


def test_the_still_is_served_to_the_patients_therapists_only_and_goes_with_the_key(
    known_pose: list[AnalysisConfig], tmp_path: Path
) -> None:
    practice, patient, visit_id = _setup()
    analysis_id = _upload(practice, patient, visit_id, tmp_path)
    section = rm.AnalysisView.objects.get(analysis_id=analysis_id).summary["subject"]
    sha = section["people"][0]["still"]["sha256"]
    url = reverse("analysis-still", args=[patient.id, analysis_id, sha])
    client = Client()
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(practice.therapist)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "no-store"
    assert _jpeg(response.content).shape == (HEIGHT_PX, WIDTH_PX, 3)  # the video's frame size
    logged = AccessLogEntry.objects.filter(action="read_analysis_still", object_id=str(patient.id))
    assert [e.outcome for e in logged] == ["allowed"]
    # An image the analysis does not name is not served, even to the patient's therapist.
    sequence_sha = rm.AnalysisView.objects.get(analysis_id=analysis_id).sequence_sha256
    assert (
        client.get(reverse("analysis-still", args=[patient.id, analysis_id, sequence_sha])).status_code == 404
    )
    other = Client()
    other.force_login(practice.other_therapist)
    assert other.get(url).status_code == 404
    # The visit page names the analysed person, shows the still and offers the other person.
    page = client.get(reverse("visit", args=[patient.id, visit_id])).content.decode()
    assert "Analysed: person 1 (frames 0-64)" in page and url in page
    assert page.count("Analyse this person instead") == 1

    patients.patient_erase_pii(user=practice.admin, patient_id=patient.id, reason="patient asked")
    with pytest.raises((KeyDestroyed, blobs.BlobMissing)):
        blobs.get("still", patient.id, sha)
    assert not blobs.exists("still", patient.id, sha)
    assert client.get(url).status_code == 404


def test_rerun_through_the_page_and_the_api(known_pose: list[AnalysisConfig], tmp_path: Path) -> None:
    practice, patient, visit_id = _setup()
    analysis_id = _upload(practice, patient, visit_id, tmp_path)
    page_url = reverse("analysis-subject", args=[patient.id, visit_id, analysis_id])
    other = Client()
    other.force_login(practice.other_therapist)
    assert other.post(page_url, {"person": "2"}).status_code == 404
    client = Client()
    client.force_login(practice.therapist)
    response = client.post(page_url, {"person": "2"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "visit", args=[patient.id, visit_id]
    )
    rerun = rm.AnalysisView.objects.get(patient_id=patient.id, config__subject=2)
    assert rerun.status == "completed" and rerun.summary["subject"]["id"] == 2

    api_url = reverse("api-analysis-subject", args=[patient.id, visit_id, rerun.analysis_id])
    api = APIClient()
    assert api.post(api_url, {"person": 1}, format="json").status_code == 401
    api.force_authenticate(practice.other_therapist)
    assert api.post(api_url, {"person": 1}, format="json").status_code == 404
    api.force_authenticate(practice.therapist)
    answer = api.post(api_url, {"person": 1}, format="json")
    assert answer.status_code == 202, answer.content
    back = rm.AnalysisView.objects.get(analysis_id=answer.json()["analysis_id"])
    assert back.config["subject"] == 1 and back.summary["subject"]["id"] == 1
    refused = api.post(api_url, {"person": 7}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "unknown_person"
    still = back.summary["subject"]["people"][1]["still"]["crop_sha256"]
    image = api.get(reverse("api-analysis-still", args=[patient.id, back.analysis_id, still]))
    assert image.status_code == 200 and _jpeg(image.content).shape[0] == 160
