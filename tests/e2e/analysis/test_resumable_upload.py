"""Resumable (tus 1.0) uploads through the API: pieces, a dropped connection and its resumption,
the same checks and duplicate handling as a one-request upload, and the patient check on every call.

The analysis itself is not run: the dispatcher hands jobs to a list, so "requested once" is counted.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from clinic.eventstore import store
from tests.factories import make_evaluation, make_patient, make_practice
from tests.synthetic_video import padded_mp4

pytestmark = pytest.mark.django_db(transaction=True)

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
OFFSET_TYPE = "application/offset+octet-stream"


@pytest.fixture
def queued(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RESUMABLE_UPLOAD_DIR = tmp_path / "uploads"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "tmp"
    jobs: list[dict[str, Any]] = []
    settings.ANALYSIS_DISPATCH = "inline"
    monkeypatch.setattr("clinic.dispatch.run_in_process", jobs.append)
    return jobs


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def _create(api: APIClient, url: str, length: int, **metadata: str) -> Any:
    values = {"filename": "walk.mp4", "activity": "gait", "model": "lite", **metadata}
    return api.post(url, HTTP_UPLOAD_LENGTH=str(length), HTTP_UPLOAD_METADATA=_metadata(**values), **TUS)


def _patch(api: APIClient, location: str, offset: int, data: bytes) -> Any:
    return api.generic(
        "PATCH", location, data=data, content_type=OFFSET_TYPE, HTTP_UPLOAD_OFFSET=str(offset), **TUS
    )


def _event_types(patient_id: Any) -> list[str]:
    return [e.event_type for e in store.read_stream(f"patient-{patient_id}")]


def test_three_pieces_with_a_dropped_connection_resume_and_request_the_analysis_once(
    queued: list[dict[str, Any]], tmp_path: Path, settings: Any
) -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    video = padded_mp4(tmp_path / "walk.mp4", payload_bytes=300_000).read_bytes()
    pieces = [video[:100_000], video[100_000:200_000], video[200_000:]]
    api = _client(practice.therapist)
    endpoint = f"/api/patients/{patient.id}/visits/{visit_id}/uploads/"

    created = _create(api, endpoint, len(video))
    assert created.status_code == 201, created.content
    assert created["Tus-Resumable"] == "1.0.0"
    location = created["Location"]
    assert location.startswith(endpoint)

    first = _patch(api, location, 0, pieces[0])
    assert first.status_code == 204 and first["Upload-Offset"] == "100000"
    second = _patch(api, location, 100_000, pieces[1])
    assert second.status_code == 204
    # The connection dropped before the client read that answer: it asks where the upload is.
    head = api.head(location, **TUS)
    assert head.status_code == 200
    assert (head["Upload-Offset"], head["Upload-Length"]) == ("200000", str(len(video)))
    assert head["Cache-Control"] == "no-store"
    assert "Analysis-Id" not in head
    # A client that re-sends the piece it is unsure of is told the offset, and nothing is doubled.
    again = _patch(api, location, 100_000, pieces[1])
    assert again.status_code == 409
    assert again.json() == {
        "code": "offset_mismatch",
        "message": "this upload is at byte 200000; send the bytes from there",
        "details": {"offset": 200000},
    }
    assert not queued and "VideoUploaded" not in _event_types(patient.id)
    # Partial data at rest is encrypted.
    part = next((tmp_path / "uploads").rglob("data.part"))
    assert part.stat().st_size == 200_000 and video[:16] not in part.read_bytes()

    last = _patch(api, location, 200_000, pieces[2])
    assert last.status_code == 204, last.content
    assert last["Upload-Offset"] == str(len(video))
    analysis_id = last["Analysis-Id"]
    assert last["Analysis-Duplicate"] == "false"
    assert [job["analysis_id"] for job in queued] == [analysis_id]
    types = _event_types(patient.id)
    assert types.count("VideoUploaded") == 1 and types.count("AnalysisRequested") == 1
    assert not list((tmp_path / "uploads").rglob("data.part"))  # sealed as a blob, part removed
    assert len(list((tmp_path / "media" / "blobs" / "video").rglob("*"))) > 0
    # A client that lost the last answer learns the analysis from HEAD.
    done = api.head(location, **TUS)
    assert done["Upload-Offset"] == str(len(video)) and done["Analysis-Id"] == analysis_id

    # The same video again, resumably: recognised as already analysed, queued once in all.
    again_created = _create(api, endpoint, len(video))
    repeat = _patch(api, again_created["Location"], 0, video)
    assert repeat.status_code == 204
    assert repeat["Analysis-Id"] == analysis_id and repeat["Analysis-Duplicate"] == "true"
    assert len(queued) == 1 and _event_types(patient.id).count("AnalysisRequested") == 1


def test_wrong_offset_oversize_other_patients_and_protocol_errors(
    queued: list[dict[str, Any]], settings: Any
) -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    other_patient = make_patient(practice.therapist, family_name="Other")
    visit_id, _ = make_evaluation(practice.therapist, patient)
    other_visit, _ = make_evaluation(practice.therapist, other_patient)
    api = _client(practice.therapist)
    endpoint = f"/api/patients/{patient.id}/visits/{visit_id}/uploads/"

    location = _create(api, endpoint, 1000)["Location"]
    wrong = _patch(api, location, 10, b"x" * 10)
    assert wrong.status_code == 409 and wrong.json()["details"] == {"offset": 0}

    settings.MAX_UPLOAD_BYTES = 5_000_000
    oversize = _create(api, endpoint, 5_000_001)
    assert oversize.status_code == 413
    assert oversize.json()["code"] == "too_large"
    assert oversize.json()["message"] == "This upload is 5.0 MB; the largest video accepted is 5.0 MB."

    # Another patient's visit under this patient, a visit that does not exist, a hidden patient.
    assert _create(api, f"/api/patients/{patient.id}/visits/{other_visit}/uploads/", 1000).status_code == 404
    hidden = _client(practice.other_therapist)
    assert _create(hidden, endpoint, 1000).status_code == 404
    assert hidden.head(location, **TUS).status_code == 404
    assert _patch(hidden, location, 0, b"x").status_code == 404
    assert hidden.delete(location, **TUS).status_code == 404
    # The same upload id under the other patient's URL is not found either.
    moved = location.replace(str(patient.id), str(other_patient.id)).replace(str(visit_id), str(other_visit))
    assert api.head(moved, **TUS).status_code == 404

    assert api.head(location).status_code == 412  # no Tus-Resumable
    assert (
        api.generic(
            "PATCH", location, data=b"x", content_type="text/plain", HTTP_UPLOAD_OFFSET="0", **TUS
        ).status_code
        == 415
    )
    refused = _create(api, endpoint, 1000, filename="notes.txt")
    assert refused.status_code == 400
    assert refused.json()["message"].startswith("notes.txt is not a video we accept")
    assert _create(api, endpoint, 1000, height_m="tall").json()["message"] == (
        "The body height is in metres (0.5 to 2.5), not 'tall'."
    )
    assert APIClient().head(location, **TUS).status_code == 401

    assert api.delete(location, **TUS).status_code == 204
    assert api.head(location, **TUS).status_code == 404
    assert not queued


def test_a_completed_upload_that_is_not_a_video_is_refused_and_removed(
    queued: list[dict[str, Any]], tmp_path: Path
) -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    api = _client(practice.therapist)
    text = b"not a video at all\n" * 100
    version = store.stream_version(f"patient-{patient.id}")
    location = _create(api, f"/api/patients/{patient.id}/visits/{visit_id}/uploads/", len(text))["Location"]
    assert _patch(api, location, 0, text[:1000]).status_code == 204
    refused = _patch(api, location, 1000, text[1000:])
    assert refused.status_code == 400
    assert refused.json() == {
        "code": "upload_refused",
        "message": "walk.mp4 is not a video file OpenCV can read (use mp4, webm, mov or avi).",
        "details": {},
    }
    assert api.head(location, **TUS).status_code == 404
    assert not list((tmp_path / "uploads").iterdir()) and not (tmp_path / "media" / "blobs").exists()
    assert not list((tmp_path / "tmp").iterdir())
    assert store.stream_version(f"patient-{patient.id}") == version and not queued


def test_abandoned_uploads_expire(queued: list[dict[str, Any]], tmp_path: Path, settings: Any) -> None:
    import time

    from clinic.services import resumable

    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    api = _client(practice.therapist)
    location = _create(api, f"/api/patients/{patient.id}/visits/{visit_id}/uploads/", 1000)["Location"]
    assert resumable.remove_expired() == 0
    assert resumable.remove_expired(now_s=time.time() + settings.RESUMABLE_UPLOAD_EXPIRY_S + 1) == 1
    assert api.head(location, **TUS).status_code == 404


class DiskUpload:
    """A file on disk as ``UploadedFileLike`` (what Django's TemporaryUploadedFile offers)."""

    def __init__(self, path: Path) -> None:
        self.path, self.name, self.size = path, path.name, path.stat().st_size

    def chunks(self, chunk_size: int | None = None) -> Any:
        with self.path.open("rb") as source:
            while piece := source.read(chunk_size or 64 * 1024):
                yield piece


def test_a_40_mb_video_is_never_whole_in_memory(queued: list[dict[str, Any]], tmp_path: Path) -> None:
    """Python allocations while a 40 MB video is checked, sealed and recorded, in one request and
    resumably; reading or sealing it whole (as before) would allocate at least 40 MB at once."""
    import tracemalloc

    from clinic.services import resumable, uploads

    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    one = padded_mp4(tmp_path / "one.mp4", payload_bytes=40 * 1024 * 1024, seed=b"one")
    two = padded_mp4(tmp_path / "two.mp4", payload_bytes=40 * 1024 * 1024, seed=b"two")
    user, ids = practice.therapist, {"patient_id": patient.id, "visit_id": visit_id}
    tracemalloc.start()
    try:
        uploads.video_upload(user=user, **ids, uploaded=DiskUpload(one), config={"model": "lite"})
        _, one_request_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        size = two.stat().st_size
        state = resumable.upload_create(user=user, **ids, length_bytes=size, name="two.mp4", config={})
        with two.open("rb") as source:
            for offset, end in ((0, size // 2), (size // 2, size)):
                state = resumable.upload_append(
                    user=user, **ids, upload_id=state.upload_id, offset_bytes=offset, source=source,
                    length_bytes=end - offset,
                )  # fmt: skip
        _, resumable_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert state.analysis_id is not None and len(queued) == 2
    assert one_request_peak < 8 * 1024 * 1024, one_request_peak
    assert resumable_peak < 8 * 1024 * 1024, resumable_peak
