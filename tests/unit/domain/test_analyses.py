"""Uploads, recordings and analyses: idempotent by content, results feed goals."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from clinic.domain import commands as c
from clinic.domain import events as ev
from clinic.domain.errors import InvalidState, InvalidValue, NotFound
from tests.unit.domain.test_decide import PID, VISIT, decide, goal, with_visit

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
SHA = "a" * 64
SEQ = "b" * 64
CONFIG = {"model": "full", "exercise": "gait", "height_m": 1.7}


def requested(analysis_id=None) -> ev.AnalysisRequested:  # type: ignore[no-untyped-def]
    return ev.AnalysisRequested(
        patient_id=PID,
        visit_id=VISIT,
        analysis_id=analysis_id or uuid4(),
        source="upload",
        source_id=uuid4(),
        content_sha256=SHA,
        config=CONFIG,
    )


def test_upload_checks_type_size_and_hash() -> None:
    upload = c.UploadVideo(
        visit_id=VISIT, content_sha256=SHA, media_type="video/mp4", size_bytes=10, original_name="walk.mp4"
    )
    [event] = decide(with_visit(), upload)
    assert isinstance(event, ev.VideoUploaded)
    for changes, code in (
        ({"media_type": "text/plain"}, "unsupported_media"),
        ({"size_bytes": 0}, "empty_file"),
        ({"content_sha256": "xyz"}, "invalid_hash"),
    ):
        with pytest.raises(InvalidValue) as err:
            decide(with_visit(), c.UploadVideo(**{**upload.__dict__, **changes}))
        assert err.value.code == code
    with pytest.raises(NotFound):
        decide(with_visit(), c.UploadVideo(**{**upload.__dict__, "visit_id": uuid4()}))


def test_same_content_and_config_is_analysed_once() -> None:
    request = c.RequestAnalysis(
        visit_id=VISIT, source="upload", source_id=uuid4(), content_sha256=SHA, config=CONFIG
    )
    [first] = decide(with_visit(), request)
    assert isinstance(first, ev.AnalysisRequested)
    assert (
        decide([*with_visit(), first], c.RequestAnalysis(**{**request.__dict__, "analysis_id": uuid4()}))
        == []
    )
    other = c.RequestAnalysis(
        **{**request.__dict__, "analysis_id": uuid4(), "config": {**CONFIG, "model": "lite"}}
    )
    assert len(decide([*with_visit(), first], other)) == 1
    failed = ev.AnalysisFailed(patient_id=PID, visit_id=VISIT, analysis_id=first.analysis_id, reason="x")
    assert (
        len(
            decide(
                [*with_visit(), first, failed],
                c.RequestAnalysis(**{**request.__dict__, "analysis_id": uuid4()}),
            )
        )
        == 1
    )


def complete(analysis_id, *metrics: ev.MetricValue) -> c.CompleteAnalysis:  # type: ignore[no-untyped-def]
    return c.CompleteAnalysis(
        analysis_id=analysis_id,
        software_version="0.1.0",
        sequence_sha256=SEQ,
        metrics=metrics,
        summary={"frames": 230},
    )


def test_completion_records_preliminary_results_only_once() -> None:
    """A finished analysis moves no goal by itself: its values wait for a clinician's review."""
    req = requested()
    history = [*with_visit(signed=True), goal(), req]
    withheld = ev.WithheldValue(
        metric="shoulder_flexion_rom", side="right", code="wrong_view", reason="needs a side view"
    )
    command = c.CompleteAnalysis(
        **{**complete(req.analysis_id, ev.MetricValue(metric="gait_speed", value=1.1, unit="m/s")).__dict__,
           "withheld": (withheld,)},
    )  # fmt: skip
    events = decide(history, command)
    assert [type(e).__name__ for e in events] == ["AnalysisCompleted"]
    done = events[0]
    assert isinstance(done, ev.AnalysisCompleted) and done.config == CONFIG and done.withheld == (withheld,)
    # Once completed, nothing more.
    assert decide([*history, *events], complete(req.analysis_id)) == []


def test_failure_only_for_a_pending_analysis() -> None:
    req = requested()
    [failed] = decide(
        [*with_visit(), req], c.FailAnalysis(analysis_id=req.analysis_id, reason="corrupt video")
    )
    assert isinstance(failed, ev.AnalysisFailed) and failed.reason == "corrupt video"
    assert decide([*with_visit(), req, failed], c.FailAnalysis(analysis_id=req.analysis_id, reason="x")) == []
    with pytest.raises(NotFound):
        decide(with_visit(), c.FailAnalysis(analysis_id=uuid4(), reason="x"))


def test_recording_start_and_stop() -> None:
    start = c.StartRecording(visit_id=VISIT, exercise="squat", model="full", mode="server", now=NOW)
    [started] = decide(with_visit(), start)
    stop = c.StopRecording(
        recording_id=start.recording_id,
        now=NOW,
        frames=90,
        duration_s=3.0,
        sequence_sha256=SEQ,
        sampling_rate_hz=30.0,
    )
    stopped, stored = decide([*with_visit(), started], stop)
    assert isinstance(stopped, ev.RecordingStopped) and stopped.frames == 90
    assert isinstance(stored, ev.LandmarkSequenceStored) and stored.source == "recording"
    with pytest.raises(InvalidState):
        decide([*with_visit(), started, stopped, stored], stop)
    with pytest.raises(InvalidValue):
        decide(
            with_visit(),
            c.StartRecording(visit_id=VISIT, exercise="yoga", model="full", mode="server", now=NOW),
        )


def test_deleting_a_video_is_idempotent() -> None:
    upload = ev.VideoUploaded(
        patient_id=PID,
        visit_id=VISIT,
        upload_id=uuid4(),
        content_sha256=SHA,
        media_type="video/mp4",
        size_bytes=5,
        original_name="a.mp4",
    )
    [deleted] = decide([*with_visit(), upload], c.DeleteVideo(upload_id=upload.upload_id, reason="analysed"))
    assert isinstance(deleted, ev.VideoDeleted)
    assert (
        decide([*with_visit(), upload, deleted], c.DeleteVideo(upload_id=upload.upload_id, reason="x")) == []
    )
