"""Standard tests run live: synthetic stick figures with known stands, walk and lift fed frame by
frame through :class:`capture.live.LiveSession` (as the page's in-browser keypoints are), which
counts them with the live repetition counter and stops each test by its rule. No server, no model."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.activities import OUTCOME_TESTS
from analysis.stop_rules import STOP_RULES
from capture.live import LiveSession
from capture.sequence import LandmarkSequence, encode_sequence
from clinic.analysis_jobs.config import analysis_config
from clinic.analysis_jobs.steps import analysis_step
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
    # A stand every 2.5 s from 1 s: standing at 2.25 s, 4.75 s, ..., the 12th at 29.75 s, seated again
    # after it at 31 s, the 13th standing only at 32.25 s.
    pose = _chair_pose(14)
    lm = to_landmarks(_on_floor(pose, np.zeros(pose.n)), mode="image", camera_on_right=camera_on_right)
    progress, session = _run_live("chair_stand_30s", lm)
    rule = STOP_RULES["chair_stand_30s"]
    last = progress[-1]
    assert last["stopped"] == "time" and last["message"] == "Stopped: 30 s reached."
    # The test is over at 30 s (the page says "stop"); the recording goes on to 33 s for the 12th stand.
    over = [p["over"] for p in progress]
    assert over.index(True) == 30 * RATE and len(progress) == (30 + rule.settle_s) * RATE + 1
    assert last["elapsed_s"] == 30.0  # the clock the page shows stays at the test's 30 s
    assert last["metrics"]["reps"] == 12
    assert all(p["cues"] == [] for p in progress)  # no coaching during a standard test
    # Scored offline from "go" (the recording's start): the 12 stands, as the whole 39 s clip analysed
    # as an upload scores over 30 s from its first rise.
    assert _same_score_as_the_whole_clip(session, lm, "chair_stand_30s", "chair_stand_count") == 12


def _offline_score(sequence: LandmarkSequence, test: str, metric: str, **options: float) -> float:
    config = analysis_config({"activity": test, "refine_3d": False, **options})
    done = analysis_step(encode_sequence(sequence), config=config)
    return next(m.value for m in done.metrics if m.metric == metric)


def _same_score_as_the_whole_clip(
    session: LiveSession, landmarks: np.ndarray, test: str, metric: str
) -> float:
    """The offline score of the recording the live test stopped, checked against the score of the
    whole synthetic clip analysed as an upload: stopping there cut nothing the score needs."""
    recorded = session.stop_recording()
    assert recorded is not None
    whole = LandmarkSequence(
        image=landmarks[None], world=np.full_like(landmarks[None], np.nan), person_ids=(1,), subject=1,
        sampling_rate_hz=RATE, width_px=WIDTH, height_px=HEIGHT, model="full",
    )  # fmt: skip
    # Analysed as recording_stop asks for a test run live: timed from "go", the recording's start.
    live = _offline_score(recorded.sequence, test, metric, test_start_s=0.0)
    assert live == pytest.approx(_offline_score(whole, test, metric), abs=0.1)
    return live


def test_a_live_five_times_sit_to_stand_stops_when_seated_after_the_fifth() -> None:
    pose = _chair_pose(8)
    lm = to_landmarks(_on_floor(pose, np.zeros(pose.n)), mode="image")
    progress, session = _run_live("five_times_sit_to_stand", lm)
    last = progress[-1]
    assert last["stopped"] == "stands" and last["metrics"]["reps"] == 5
    # Seated again after the fifth stand at 1 + 5 x 2.5 = 13.5 s (the counter sees the return a little
    # earlier), then settled for a second.
    assert 13.8 < last["elapsed_s"] <= 14.5
    assert max(p["metrics"]["reps"] for p in progress if p["elapsed_s"] < 13.0) == 4
    # The five stands take 12.5 s, less the rise and return thresholds (tests/unit/analysis/test_outcome_tests.py).
    score = _same_score_as_the_whole_clip(session, lm, "five_times_sit_to_stand", "five_times_sit_to_stand")
    assert score == pytest.approx(12.5, abs=0.8)


@pytest.mark.parametrize("direction", [1.0, -1.0])
def test_a_live_tug_stops_when_the_patient_is_seated_again(direction: float) -> None:
    # Rising 1-2 s, seated again at 14 s; the 3 m walk stays in the picture (450 px of 1920).
    lm = to_landmarks(_tug_points(direction), mode="image", px_per_m=150.0)
    progress, session = _run_live("tug", lm)
    last = progress[-1]
    assert last["stopped"] == "seated" and last["message"] == "Stopped: the patient is seated again."
    assert 14.0 < last["elapsed_s"] <= 15.0
    # 13 s less the rise and sit thresholds, as tests/e2e/test_outcome_tests_page.py.
    assert 12.5 < _same_score_as_the_whole_clip(session, lm, "tug", "timed_up_and_go") < 13.3


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


def test_a_live_chair_stand_is_timed_from_go_not_from_the_first_rise() -> None:
    """The patient starts rising 3 s after "go": standing at 4.25 s, 6.75 s, ..., so 11 stands are
    reached within 30 s of "go" and 12 within 30 s of the first rise (the upload's clock)."""
    pose = _chair_pose(14)
    lm = to_landmarks(_on_floor(pose, np.zeros(pose.n)), mode="image")
    late = np.concatenate([np.repeat(lm[:1], int(2 * RATE), axis=0), lm])
    _, session = _run_live("chair_stand_30s", late)
    recorded = session.stop_recording()
    assert recorded is not None
    assert _offline_score(recorded.sequence, "chair_stand_30s", "chair_stand_count", test_start_s=0.0) == 11
    assert _offline_score(recorded.sequence, "chair_stand_30s", "chair_stand_count") == 12


@pytest.mark.parametrize("test", OUTCOME_TESTS)
def test_every_standard_test_runs_live_with_its_clock(test: str) -> None:
    """Each test's live counting takes frames (the jump counts nothing live) and its clock runs."""
    pose = _chair_pose(2)
    lm = to_landmarks(_on_floor(pose, np.zeros(pose.n)), mode="image")[: int(3 * RATE)]
    progress, _ = _run_live(test, lm)
    assert progress[-1]["elapsed_s"] == pytest.approx(3.0 - 1 / RATE, abs=0.01)
    assert progress[-1]["max_s"] == STOP_RULES[test].max_s and progress[-1]["stopped"] is None
