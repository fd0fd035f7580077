"""One unit of work per write: an upload loads the patient's stream once and appends once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clinic.eventstore import store
from clinic.services import uploads
from tests.factories import make_evaluation, make_patient, make_practice
from tests.synthetic_video import write_video

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_upload_reads_the_patient_stream_once_and_appends_once(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANALYSIS_DISPATCH = "inline"
    monkeypatch.setattr("clinic.dispatch.run_in_process", lambda job: None)  # the analysis is not the point
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    video = write_video(tmp_path / "walk.mp4", width_px=64, height_px=48, fps=30, frames=30)
    stream = f"patient-{patient.id}"
    reads: list[str] = []
    appends: list[list[str]] = []
    read_stream, append = store.read_stream, store.append
    monkeypatch.setattr(
        store, "read_stream", lambda sid, *a, **k: reads.append(sid) or read_stream(sid, *a, **k)
    )

    def counting_append(sid: str, events: Any, **kwargs: Any) -> Any:
        appends.append([e.event_type for e in events])
        return append(sid, events, **kwargs)

    monkeypatch.setattr(store, "append", counting_append)
    result = uploads.video_upload(
        user=practice.therapist,
        patient_id=patient.id,
        visit_id=visit_id,
        uploaded=SimpleUploadedFile("walk.mp4", video.read_bytes()),
        config={"activity": "gait", "model": "lite"},
    )
    assert not result.duplicate
    assert reads.count(stream) == 1, reads
    assert appends == [["VideoUploaded", "AnalysisRequested"]]


def test_an_analysis_reads_the_patient_stream_once_per_step_that_needs_it(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch, shared_data: Path
) -> None:
    """pose checks the analysis is still wanted (1 read), analyse reads nothing from the store,
    record appends results and lets go of the video in one unit of work (1 read, 1 append)."""
    from uuid import uuid4

    from clinic import blobs, dispatch
    from clinic.services import analysis as service
    from clinic.tasks import analysis_workflow
    from tests.integration.analysis_tasks.conftest import squat_sequence

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANALYSIS_DISPATCH = "inline"
    jobs: list[dict[str, Any]] = []
    monkeypatch.setattr("clinic.dispatch.run_in_process", jobs.append)
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    sha = blobs.put("sequence", patient.id, squat_sequence(shared_data))
    service.analysis_request(
        user_or_actor="task:recording", patient_id=patient.id, visit_id=visit_id, source="recording",
        source_id=uuid4(), content_sha256=sha, config={"model": "full", "activity": "squat", "refine_3d": False},
    )  # fmt: skip
    assert len(jobs) == 1 and dispatch.mode() == "inline"
    stream = f"patient-{patient.id}"
    reads: list[str] = []
    appends: list[list[str]] = []
    read_stream, append = store.read_stream, store.append
    monkeypatch.setattr(
        store, "read_stream", lambda sid, *a, **k: reads.append(sid) or read_stream(sid, *a, **k)
    )
    monkeypatch.setattr(
        store, "append", lambda sid, events, **k: appends.append([e.event_type for e in events]) or append(sid, events, **k)
    )  # fmt: skip
    outcome = analysis_workflow(jobs[0]).apply().get()
    assert outcome["status"] == "completed"
    assert reads.count(stream) == 2, reads
    assert len(appends) == 1 and appends[0][0] == "AnalysisCompleted"
