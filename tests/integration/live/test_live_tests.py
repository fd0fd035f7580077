"""Standard tests run live: synthetic stick figures with known stands, walk and lift fed frame by
frame through :class:`capture.live.LiveSession` (as the page's in-browser keypoints are), which
counts them with the live repetition counter and stops each test by its rule. No server, no model."""

from __future__ import annotations

import numpy as np
import pytest

from capture.live import LiveSession
from tests.unit.analysis.synthetic import Pose, to_landmarks
from tests.unit.analysis.test_outcome_tests import RATE, _chair_pose, _on_floor, _tug_points

WIDTH, HEIGHT = 1920, 1080


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _run_live(test: str, landmarks: np.ndarray) -> tuple[list[dict], LiveSession]:  # type: ignore[type-arg]
    """Record ``landmarks`` (frames, 33, 4 pixels) live from t = 0 until the test stops itself;
    the ``test`` part of each pose message."""
    clock = Clock()

    def no_model(variant: str, people: int):  # type: ignore[no-untyped-def]
        raise AssertionError("keypoints come from the page; no model is built")

    session = LiveSession(model="full", exercise=test, factory=no_model, clock=clock)
    normalized = landmarks.copy()
    normalized[..., 0] /= WIDTH
    normalized[..., 1] /= HEIGHT
    normalized[..., 2] /= WIDTH
    session.start_recording()
    progress = []
    for k, frame in enumerate(normalized):
        clock.now = 100.0 + k / RATE
        body = session.process_keypoints(frame[None], None, width_px=WIDTH, height_px=HEIGHT)
        progress.append({**body["test"], "metrics": body["metrics"], "cues": body["cues"]})
        if session.take_test_stop() is not None:
            break
    return progress, session


@pytest.mark.parametrize("camera_on_right", [True, False])
def test_a_live_chair_stand_counts_the_stands_and_stops_at_thirty_seconds(camera_on_right: bool) -> None:
    pose = _chair_pose(14)  # a stand every 2.5 s from 1 s: 11 complete within 30 s, then a 12th rising
    lm = to_landmarks(_on_floor(pose, np.zeros(pose.n)), mode="image", camera_on_right=camera_on_right)
    progress, session = _run_live("chair_stand_30s", lm)
    last = progress[-1]
    assert last["stopped"] == "time" and last["message"] == "Stopped at 30 s."
    assert last["elapsed_s"] == pytest.approx(30.0, abs=1.5 / RATE) and len(progress) == 30 * RATE + 1
    assert last["metrics"]["reps"] == 11
    assert all(p["cues"] == [] for p in progress)  # no coaching during a standard test
    recorded = session.stop_recording()
    assert recorded is not None and recorded.duration_s == pytest.approx(30.0, abs=0.1)


def test_a_live_five_times_sit_to_stand_stops_when_seated_after_the_fifth() -> None:
    pose = _chair_pose(8)
    lm = to_landmarks(_on_floor(pose, np.zeros(pose.n)), mode="image")
    progress, _ = _run_live("five_times_sit_to_stand", lm)
    last = progress[-1]
    assert last["stopped"] == "stands" and last["metrics"]["reps"] == 5
    # Seated again after the fifth stand at 1 + 5 x 2.5 = 13.5 s; the counter sees the return a little earlier.
    assert 12.8 < last["elapsed_s"] <= 13.5
    assert [p["metrics"]["reps"] for p in progress[:-1]][-1] == 4


@pytest.mark.parametrize("direction", [1.0, -1.0])
def test_a_live_tug_stops_when_the_patient_is_seated_again(direction: float) -> None:
    # Rising 1-2 s, seated again at 14 s; the 3 m walk stays in the picture (450 px of 1920).
    lm = to_landmarks(_tug_points(direction), mode="image", px_per_m=150.0)
    progress, _ = _run_live("tug", lm)
    last = progress[-1]
    assert last["stopped"] == "seated" and last["message"] == "Stopped: the patient is seated again."
    assert 13.0 < last["elapsed_s"] <= 14.0


def test_a_live_single_leg_stance_stops_at_touchdown() -> None:
    t = np.arange(int(20 * RATE)) / RATE
    p = Pose(n=t.size)
    left_up = ((t > 1) & (t < 9)).astype(float)  # on the right leg from 1 s to 9 s
    p.knee_flexion["left"], p.hip_flexion["left"] = 50.0 * left_up, 50.0 * left_up
    lm = to_landmarks(_on_floor(p, np.zeros(t.size)), mode="front")
    progress, _ = _run_live("single_leg_stance", lm)
    last = progress[-1]
    assert last["stopped"] == "touchdown"
    assert 9.0 < last["elapsed_s"] < 9.6
    assert max(p["metrics"]["best_stance_s"] for p in progress) == pytest.approx(8.0, abs=0.3)
