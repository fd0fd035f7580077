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
