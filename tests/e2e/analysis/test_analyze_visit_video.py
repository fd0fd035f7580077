"""``manage.py analyze_visit_video``: records a video's analysis on a visit from the command line."""

from __future__ import annotations

import re
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from clinic.eventstore import store
from tests.factories import make_evaluation, make_patient, make_practice
from tests.integration.analysis_tasks.conftest import Worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.mark.usefixtures("eager")
def test_command_records_the_analysis_and_reports_it(shared_data: Path, tmp_path: Path) -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    video = shared_data / "videos" / "squats_front.mp4"
    out = StringIO()
    args = [str(video), "--patient", str(patient.id), "--visit", str(visit_id), "--model", "lite"]
    call_command(
        "analyze_visit_video", *args, "--exercise", "squat", "--no-refine-3d", "--no-progress", stdout=out
    )
    text = out.getvalue()
    assert text.startswith("analysis ") and ": completed" in text.splitlines()[0]
    assert "  detected: squat" in text and "values are preliminary until reviewed" in text
    # Counts read as whole repetitions, each value with the quality of the landmarks it used.
    assert re.search(r"complete reps: \d+ repetitions? \(quality (good|fair|poor)", text), text
    assert "count" not in text
    types = [e.event_type for e in store.read_stream(f"patient-{patient.id}")]
    assert types.count("VideoUploaded") == 1 and types.count("AnalysisCompleted") == 1
    assert types.count("VideoDeleted") == 1

    again = StringIO()
    call_command(
        "analyze_visit_video", *args, "--exercise", "squat", "--no-refine-3d", "--no-progress", stdout=again
    )
    assert "already analysed for this visit" in again.getvalue()

    other = make_patient(practice.other_therapist, family_name="Other")
    with pytest.raises(CommandError, match=f"{practice.therapist.username} may not see patient {other.id}"):
        call_command("analyze_visit_video", str(video), "--patient", str(other.id), "--visit", str(visit_id),
                     "--as", practice.therapist.username)  # fmt: skip
    text_file = tmp_path / "notes.mp4"
    text_file.write_text("not a video\n" * 30)
    with pytest.raises(CommandError, match=r"^notes.mp4 is not a video file OpenCV can read"):
        call_command(
            "analyze_visit_video", str(text_file), "--patient", str(patient.id), "--visit", str(visit_id)
        )
    with pytest.raises(CommandError, match="--visit must be a UUID"):
        call_command("analyze_visit_video", str(video), "--patient", str(patient.id), "--visit", "7")


@pytest.mark.redis
def test_command_follows_a_worker_until_the_results_are_recorded(
    start_worker: Callable[..., Worker], shared_data: Path
) -> None:
    from clinic import celery_app

    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    start_worker("cli")
    assert not celery_app.conf.task_always_eager
    out, err = StringIO(), StringIO()
    call_command(
        "analyze_visit_video", str(shared_data / "videos" / "squats_front.mp4"), "--patient", str(patient.id),
        "--visit", str(visit_id), "--model", "lite", "--exercise", "squat", "--no-refine-3d", "--timeout", "120",
        stdout=out, stderr=err,
    )  # fmt: skip
    assert ": completed" in out.getvalue().splitlines()[0]
    types = [e.event_type for e in store.read_stream(f"patient-{patient.id}")]
    assert types.count("AnalysisCompleted") == 1 and types.count("LandmarkSequenceStored") == 1
