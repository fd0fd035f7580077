"""The analysis service with tasks run in-process: recordings, failures, bad uploads, retention."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clinic import blobs
from clinic.access.policy import Forbidden, NotVisible
from clinic.analysis_jobs.config import ConfigError
from clinic.eventstore import store
from clinic.projections import models as rm
from clinic.services import analysis as service
from clinic.services import uploads
from tests.factories import make_evaluation, make_patient, make_practice, review_value
from tests.integration.analysis_tasks.conftest import squat_sequence
from tests.synthetic_video import write_video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager")]


def _types(patient_id: UUID) -> list[str]:
    return [e.event_type for e in store.read_stream(f"patient-{patient_id}")]


def _setup() -> tuple[Any, Any, UUID]:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    return practice, patient, visit_id


def test_recording_sequence_is_analysed_and_recorded_once(shared_data: Path) -> None:
    practice, patient, visit_id = _setup()
    sha = blobs.put("sequence", patient.id, squat_sequence(shared_data))
    request = dict(
        user_or_actor="task:recording",
        patient_id=patient.id,
        visit_id=visit_id,
        source="recording",
        source_id=uuid4(),
        content_sha256=sha,
        config={"model": "full", "activity": "squat", "refine_3d": False},
    )
    analysis_id = service.analysis_request(**request)
    view = rm.AnalysisView.objects.get(analysis_id=analysis_id)
    assert view.status == "completed", view.failure_reason
    assert view.sequence_sha256 == sha and view.config["activity"] == "squat"
    assert view.summary["exercise"]["kind"] == "squat"
    # The clip holds 2 complete squats and a third cut off during the ascent (MANIFEST.md): three
    # repetitions, the last one unfinished (how deep each went is the library's business).
    reps = view.summary["exercise"]["reps"]
    assert len(reps) == 3 and not reps[-1]["complete"]
    values = {m["metric"]: m for m in view.metrics}
    complete = [r["depth"] for r in reps if r["complete"]]
    assert (
        values["squat_complete_reps"]["value"] == len(complete) == view.summary["exercise"]["complete_reps"]
    )
    assert values["squat_partial_reps"]["value"] == view.summary["exercise"]["partial_reps"]
    depth = values["squat_depth"]
    assert (depth["metric"], depth["value"], depth["unit"], depth["side"]) == (
        "squat_depth",
        round(max(complete), 2),
        "deg",
        "",
    )
    assert depth["quality"] in ("good", "fair", "poor") and depth["view"] and depth["method"]
    # Preliminary until the therapist accepts it; then it is the visit's measurement.
    measured = rm.VisitView.objects.get(visit_id=visit_id).measurements
    assert not [m for m in measured if m["metric"] == "squat_depth"]
    index = [m["metric"] for m in view.metrics].index("squat_depth")
    review_value(practice.therapist, patient.id, analysis_id, index)
    measured = rm.VisitView.objects.get(visit_id=visit_id).measurements
    assert [m["value"] for m in measured if m["metric"] == "squat_depth"] == [round(max(complete), 2)]
    assert view.summary["refine_3d"] == {"refined": False, "reason": "not requested"}
    events = _types(patient.id)
    assert events.count("AnalysisCompleted") == 1 and "VideoDeleted" not in events
    # Asked again (the same content and options): the same analysis, nothing appended.
    version = store.stream_version(f"patient-{patient.id}")
    assert service.analysis_request(**request) == analysis_id
    assert store.stream_version(f"patient-{patient.id}") == version
    # Other options are another analysis.
    other = service.analysis_request(
        **{**request, "config": {"model": "full", "activity": "auto", "refine_3d": False}}
    )
    assert other != analysis_id


def test_bad_input_fails_for_good_with_a_plain_reason(shared_data: Path) -> None:
    practice, patient, visit_id = _setup()
    sha = blobs.put("sequence", patient.id, squat_sequence(shared_data, subject=None))
    analysis_id = service.analysis_request(
        user_or_actor=practice.therapist,
        patient_id=patient.id,
        visit_id=visit_id,
        source="recording",
        source_id=uuid4(),
        content_sha256=sha,
        config={"refine_3d": False},
    )
    view = rm.AnalysisView.objects.get(analysis_id=analysis_id)
    assert view.status == "failed"
    assert view.failure_reason == "No person was detected, so there is no subject to analyse."
    assert _types(patient.id).count("AnalysisFailed") == 1
    assert "AnalysisCompleted" not in _types(patient.id)
    # A failed analysis may be asked for again: it gets a new id.
    again = service.analysis_request(
        user_or_actor=practice.therapist,
        patient_id=patient.id,
        visit_id=visit_id,
        source="recording",
        source_id=uuid4(),
        content_sha256=sha,
        config={"refine_3d": False},
    )
    assert again != analysis_id


def test_request_checks_visibility_and_options(shared_data: Path) -> None:
    practice, patient, visit_id = _setup()
    args = dict(
        patient_id=patient.id,
        visit_id=visit_id,
        source="recording",
        source_id=uuid4(),
        content_sha256="a" * 64,
    )
    with pytest.raises(NotVisible):
        service.analysis_request(user_or_actor=practice.other_therapist, config={}, **args)
    with pytest.raises(ConfigError, match="Unknown analysis option 'speed'"):
        service.analysis_request(user_or_actor=practice.therapist, config={"speed": 2}, **args)
    with pytest.raises(ConfigError, match="lite, full or heavy"):
        service.analysis_request(user_or_actor=practice.therapist, config={"model": "huge"}, **args)
    assert "AnalysisRequested" not in _types(patient.id)


def _bad_files(shared_data: Path, tmp_path: Path) -> dict[str, tuple[str, bytes]]:
    video = (shared_data / "videos" / "walk_side_two_people.mp4").read_bytes()
    return {
        "empty": ("walk.mp4", b""),
        "truncated": ("walk.mp4", video[: len(video) * 6 // 10]),
        "text": ("notes.mp4", b"Session notes: patient walked well.\n" * 50),
        "wrong type": ("walk.txt", video),
        "huge": ("walk.mp4", video),
        "too fast": (
            "fast.mp4",
            write_video(tmp_path / "fast.mp4", width_px=32, height_px=32, fps=1000, frames=300).read_bytes(),
        ),
        "frame too large": (
            "huge.mp4",
            write_video(
                tmp_path / "big.mp4", width_px=8192, height_px=8192, fps=5, frames=1, fourcc="MJPG"
            ).read_bytes(),
        ),
    }


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("empty", "walk.mp4 is empty (0 bytes)."),
        (
            "truncated",
            "walk.mp4 ends before its last frames; it is damaged or was cut off while copying or uploading.",
        ),
        ("text", "notes.mp4 is not a video file OpenCV can read (use mp4, webm, mov or avi)."),
        ("wrong type", "walk.txt is not a video we accept; upload an MP4, WebM, MOV or AVI file."),
        ("huge", "walk.mp4 is 4.0 MB; the largest video accepted is 1.0 MB."),
        ("too fast", "fast.mp4 has 1000 frames per second; the highest frame rate accepted is 240."),
        (
            "frame too large",
            "huge.mp4 is 8192x8192 pixels; the largest frame accepted is 8.3 megapixels (about 3840x2160), "
            "so export it at a lower resolution.",
        ),
    ],
)
def test_bad_uploads_are_refused_and_leave_nothing(
    case: str, message: str, shared_data: Path, tmp_path: Path, settings: Any
) -> None:
    settings.MAX_UPLOAD_BYTES = 1_000_000 if case == "huge" else 50_000_000
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "spool"
    practice, patient, visit_id = _setup()
    version = store.stream_version(f"patient-{patient.id}")
    name, data = _bad_files(shared_data, tmp_path)[case]
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.video_upload(
            user=practice.therapist,
            patient_id=patient.id,
            visit_id=visit_id,
            uploaded=SimpleUploadedFile(name, data, "video/mp4"),
            config={"model": "lite"},
        )
    assert str(refused.value) == message
    assert store.stream_version(f"patient-{patient.id}") == version
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]
    assert not [p for p in (tmp_path / "spool").rglob("*") if p.is_file()]  # no spooled copy left


def test_the_worker_stops_a_video_longer_than_its_header_said(settings: Any, tmp_path: Path) -> None:
    """A header may understate the length (or not state it): decoding stops at MAX_VIDEO_FRAMES."""
    settings.MAX_VIDEO_FRAMES = 10
    _practice, patient, visit_id = _setup()
    clip = write_video(tmp_path / "clip.mp4", width_px=64, height_px=48, fps=30, frames=30)
    sha = blobs.put_file("video", patient.id, clip)
    analysis_id = service.analysis_request(
        user_or_actor="task:test", patient_id=patient.id, visit_id=visit_id, source="upload",
        source_id=uuid4(), content_sha256=sha, config={"model": "lite", "refine_3d": False},
    )  # fmt: skip
    view = rm.AnalysisView.objects.get(analysis_id=analysis_id)
    assert view.status == "failed"
    assert view.failure_reason == "The video has more than 10 frames; trim it to the movement to analyse."


def test_video_is_kept_only_when_the_practice_retains_videos() -> None:
    practice, patient, _visit_id = _setup()
    sha = blobs.put("video", patient.id, b"\x00video bytes" * 10)
    job = {"source": "upload", "patient_id": str(patient.id), "content_sha256": sha,
           "analysis_id": str(uuid4()), "source_id": str(uuid4())}  # fmt: skip
    with pytest.raises(Forbidden):
        uploads.practice_set_video_retention(user=practice.therapist, retain=True)
    uploads.practice_set_video_retention(user=practice.admin, retain=True)
    assert uploads.discard_video_after_analysis(job) is False
    assert blobs.exists("video", patient.id, sha)
    uploads.practice_set_video_retention(user=practice.admin, retain=False)
    assert uploads.discard_video_after_analysis(job) is True
    assert not blobs.exists("video", patient.id, sha)
