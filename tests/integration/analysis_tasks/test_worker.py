"""Uploads analysed by a real Celery worker over Redis: results as events and goals, once.

Pose estimation uses the ``lite`` model: these tests check the queue, idempotency and recovery,
not accuracy (the pose engine's and the analysis library's own tests do that).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from capture.sequence import decode_sequence
from clinic import blobs, dispatch, tasks
from clinic.eventstore import store
from clinic.projections import models as rm
from clinic.services import analysis as service
from clinic.services import goals, uploads
from tests.factories import due, make_evaluation, make_patient, make_practice, review_value
from tests.integration.analysis_tasks.conftest import Worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CONFIG = {"model": "lite", "height_m": 1.65}


def _events(patient_id: UUID) -> list[Any]:
    return store.read_stream(f"patient-{patient_id}")


def _types(patient_id: UUID) -> Counter[str]:
    return Counter(e.event_type for e in _events(patient_id))


def _wait_for(done: Callable[[], bool], *, workers: list[Worker], timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.5)
    logs = "\n".join(w.text()[-3000:] for w in workers)
    raise AssertionError(f"the analysis did not finish in {timeout_s} s; worker logs:\n{logs}")


class ProgressListener:
    """Joins a visit's progress group on the Redis channel layer, as the visit page's socket does.

    One event loop for the listener's life: the layer's receive buffers belong to a loop.
    """

    def __init__(self, visit_id: UUID) -> None:
        import asyncio

        from channels.layers import get_channel_layer

        self.loop = asyncio.new_event_loop()
        self.layer = get_channel_layer()
        self.channel = self.loop.run_until_complete(self.layer.new_channel())
        self.loop.run_until_complete(self.layer.group_add(service.progress_group(visit_id), self.channel))
        self.messages: list[dict[str, Any]] = []

    def drain(self) -> None:
        import asyncio

        async def receive_all() -> None:
            while True:
                try:
                    self.messages.append(await asyncio.wait_for(self.layer.receive(self.channel), 0.2))
                except TimeoutError:
                    return

        self.loop.run_until_complete(receive_all())


def _upload(
    user: Any, patient_id: UUID, visit_id: UUID, video: Path, config: dict[str, Any] | None = None
) -> uploads.UploadResult:
    return uploads.video_upload(
        user=user,
        patient_id=patient_id,
        visit_id=visit_id,
        uploaded=SimpleUploadedFile(video.name, video.read_bytes(), "video/mp4"),
        config=config or CONFIG,
    )


def test_upload_is_analysed_once_and_feeds_goals(
    start_worker: Callable[..., Worker], shared_data: Path
) -> None:
    video = shared_data / "videos" / "walk_side_two_people.mp4"
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, version = make_evaluation(practice.therapist, patient)
    goal = goals.goal_set(
        user=practice.therapist,
        patient_id=patient.id,
        metric="cadence",
        target=80,
        comparator=">=",
        baseline=60,
        due_date=due(),
        description="Walk at 80 steps/min or more",
        expected_version=version,
    )
    worker = start_worker("main")
    listener = ProgressListener(visit_id)
    first = _upload(practice.therapist, patient.id, visit_id, video)
    assert not first.duplicate

    def finished() -> bool:
        listener.drain()
        return _types(patient.id)["VideoDeleted"] == 1

    _wait_for(finished, workers=[worker])
    listener.drain()
    listener.loop.close()
    # The worker reported its progress to the visit's group: pose percentages that grow, then done.
    mine = [m for m in listener.messages if m["analysis_id"] == str(first.analysis_id)]
    pose_percents = [m["percent"] for m in mine if m["stage"] == "pose"]
    assert len(pose_percents) >= 5 and pose_percents == sorted(pose_percents) and pose_percents[-1] == 85
    assert {m["stage"] for m in mine} >= {"pose", "analyse", "record"}
    assert mine[-1]["status"] == "completed" and mine[-1]["percent"] == 100

    types = _types(patient.id)
    assert types["AnalysisRequested"] == 1 and types["AnalysisCompleted"] == 1
    assert types["AnalysisFailed"] == 0 and types["LandmarkSequenceStored"] == 1
    # The results are preliminary: nothing is a measurement, no goal moves, until a clinician reviews.
    assert types["MeasurementRecorded"] == 0 and types["GoalAchieved"] == 0
    completed = next(e for e in _events(patient.id) if e.event_type == "AnalysisCompleted").data
    assert completed["analysis_id"] == str(first.analysis_id)
    assert completed["config"]["model"] == "lite" and completed["config"]["height_m"] == 1.65
    assert completed["software_version"].startswith("clinic-offline ")
    assert completed["summary"]["gait"]["heel_strikes"], "the walk has heel strikes"
    units = {m["metric"]: m["unit"] for m in completed["metrics"]}
    assert units["cadence"] == "steps/min" and units["gait_speed"] == "m/s"
    assert rm.GoalView.objects.get(goal_id=goal.id).latest_value is None

    # The landmark sequence is kept (the results refer to it); the video is gone.
    sequence = decode_sequence(blobs.get("sequence", patient.id, completed["sequence_sha256"]))
    assert sequence.frames == 230 and sequence.subject is not None
    stored = rm.SequenceView.objects.get(visit_id=visit_id)
    assert (stored.sequence_sha256, stored.source, stored.frames) == (
        completed["sequence_sha256"],
        "upload",
        230,
    )
    assert not blobs.exists("video", patient.id, completed["content_sha256"])

    # The therapist accepts the cadence: the goal projection moves from the baseline (60) toward the
    # target (80), and the goal is achieved.
    index, cadence = next(
        (i, m["value"]) for i, m in enumerate(completed["metrics"]) if m["metric"] == "cadence"
    )
    review_value(practice.therapist, patient.id, first.analysis_id, index)
    assert _types(patient.id)["MeasurementRecorded"] == 1 and _types(patient.id)["GoalAchieved"] == 1
    view = rm.GoalView.objects.get(goal_id=goal.id)
    assert view.latest_value == pytest.approx(cadence)
    assert view.progress_percent == pytest.approx(round(100 * (cadence - 60) / 20, 1))
    assert view.achievement_status == "achieved"
    analysis = rm.AnalysisView.objects.get(analysis_id=first.analysis_id)
    assert analysis.status == "completed" and analysis.sequence_sha256 == completed["sequence_sha256"]

    # The same video again: recognised by its content, nothing stored, nothing appended.
    version_before = store.stream_version(f"patient-{patient.id}")
    again = _upload(practice.therapist, patient.id, visit_id, video)
    assert again.duplicate and again.analysis_id == first.analysis_id
    assert store.stream_version(f"patient-{patient.id}") == version_before
    assert not blobs.exists("video", patient.id, completed["content_sha256"])

    # A redelivered message (the whole chain run again) records nothing twice.
    requested = next(e for e in _events(patient.id) if e.event_type == "AnalysisRequested")
    job = dispatch.job_from_event(requested)
    outcome = tasks.analysis_workflow(job).apply().get()
    assert outcome == {"analysis_id": str(first.analysis_id), "appended": 0, "status": "completed"}
    assert store.stream_version(f"patient-{patient.id}") == version_before


def test_worker_killed_mid_pose_finishes_on_restart_without_duplicates(
    start_worker: Callable[..., Worker], shared_data: Path
) -> None:
    video = shared_data / "videos" / "walk_side_two_people.mp4"
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    first_worker = start_worker("doomed")
    result = _upload(practice.therapist, patient.id, visit_id, video, {"model": "lite", "refine_3d": False})
    first_worker.wait_for("clinic.analysis.pose[", timeout_s=60)
    time.sleep(4)  # well into pose estimation (about 20 s for this video)
    first_worker.kill()

    assert _types(patient.id)["AnalysisCompleted"] == 0
    assert service.analysis_state(patient.id, result.analysis_id).status == "requested"  # type: ignore[union-attr]
    # The Redis transport hands an unacknowledged message to another worker after the
    # visibility timeout; the restarted worker uses a short one.
    second_worker = start_worker("rescuer", visibility_s=3)
    _wait_for(lambda: _types(patient.id)["VideoDeleted"] == 1, workers=[first_worker, second_worker])
    time.sleep(2)  # let any duplicate delivery show itself

    types = _types(patient.id)
    assert types["AnalysisCompleted"] == 1 and types["AnalysisFailed"] == 0 and types["VideoDeleted"] == 1
    [completed] = [e.data for e in _events(patient.id) if e.event_type == "AnalysisCompleted"]
    measured = Counter((m["metric"], m["side"]) for m in completed["metrics"])
    assert measured and max(measured.values()) == 1
    assert "clinic.analysis.pose[" in second_worker.text()


def test_a_task_longer_than_the_visibility_timeout_is_not_started_twice(
    start_worker: Callable[..., Worker], shared_data: Path
) -> None:
    """Two workers with a 3 s visibility timeout and a pose step of about 20 s: the running task's
    message is kept fresh, so the idle worker never takes it over (without the heartbeat it did,
    3 s in, and both estimated the poses)."""
    video = shared_data / "videos" / "walk_side_two_people.mp4"
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    workers = [start_worker("busy", visibility_s=3), start_worker("idle", visibility_s=3)]
    _upload(practice.therapist, patient.id, visit_id, video, {"model": "lite", "refine_3d": False})
    _wait_for(lambda: _types(patient.id)["VideoDeleted"] == 1, workers=workers)
    time.sleep(2)
    started = [w.text().count("clinic.analysis.pose[") for w in workers]
    # Each worker logs "received" and "succeeded" for a task it ran: 2 lines in one log, none in the other.
    assert sorted(started) == [0, 2], [w.text()[-2000:] for w in workers]
    assert _types(patient.id)["AnalysisCompleted"] == 1
