"""The live session's parts without a server: slot, automatic model choice, resampling, metrics,
protocol parsing, and server vs in-browser input giving the same result. No database."""

from __future__ import annotations

import asyncio
import itertools
import json
import math

import numpy as np
import pytest

from capture import protocol
from capture.landmarks import LANDMARK_INDEX as I
from capture.live import AutoModel, LatestSlot, LiveSession, Recording, resample_recording
from capture.live_metrics import LiveMetrics, joint_angles_2d
from tests.integration.live.conftest import ReplayEstimator, jpeg


def test_latest_slot_keeps_only_the_newest_item() -> None:
    async def scenario() -> tuple[int, int, int]:
        slot: LatestSlot[int] = LatestSlot()
        for i in range(5):
            slot.put(i)
        first = await slot.take()
        slot.put(9)
        second = await slot.take()
        return first, second, slot.dropped

    assert asyncio.run(scenario()) == (4, 9, 4)


def test_auto_model_steps_down_when_slow_and_never_back_to_a_slow_variant() -> None:
    auto = AutoModel()
    model = "heavy"
    for _ in range(20):
        model = auto.observe(model, 80.0 if model == "heavy" else 20.0)
    assert model == "full"
    for _ in range(60):  # full is fast enough, heavy was too slow: stay on full
        model = auto.observe(model, 10.0)
    assert model == "full"
    auto2 = AutoModel()
    model = "lite"
    for _ in range(20):
        model = auto2.observe(model, 5.0)
    assert model == "full"  # plenty of budget left: a more accurate model, which gets its own warm-up


def test_resampling_interpolates_on_a_uniform_grid_and_leaves_gaps_empty() -> None:
    rec = Recording(started_s=0.0, width_px=640, height_px=480, model="full")
    # 20 Hz with jitter, one 0.5 s hole; x of every landmark = 100 * t.
    times = [0.0]
    for k in itertools.count(1):
        t = round(k * 0.05 + (0.01 if k % 3 == 0 else 0.0), 4)
        if 1.0 < t < 1.5:
            continue
        if t > 2.0:
            break
        times.append(t)
    for t in times:
        image = np.zeros((33, 4), np.float32)
        image[:, 0] = 100 * t
        image[:, 3] = 1
        rec.times_s.append(t)
        rec.frames.append({1: (image, image.copy())})
        rec.subjects[1] = rec.subjects.get(1, 0) + 1
    seq = resample_recording(rec).sequence
    assert seq.sampling_rate_hz == round((len(times) - 1) / times[-1])
    grid = np.arange(seq.image.shape[1]) / seq.sampling_rate_hz
    x = seq.image[0, :, 0, 0]
    inside = (grid < 0.99) | (grid > 1.51)
    np.testing.assert_allclose(x[inside], 100 * grid[inside], atol=1e-3)
    assert np.isnan(x[(grid > 1.06) & (grid < 1.44)]).all()
    assert seq.subject == 1 and seq.person_ids == (1,)


def test_live_squat_count_matches_the_clip(squat_landmarks: np.ndarray) -> None:
    """2 complete repetitions, the third cut off (MANIFEST), from the clip's landmarks at 5 fps."""
    metrics = LiveMetrics("squat")
    out: dict[str, float | int | None] = {}
    for i, frame in enumerate(squat_landmarks):
        out, _ = metrics.update(frame, time_s=i / 5.0)
    assert out["reps"] == 2 and out["partial_reps"] == 0
    assert metrics.reps is not None and metrics.reps.in_rep  # the third is still under way
    assert out["reps_per_min"] == pytest.approx(12.5, abs=2)


def test_shallow_squats_are_partial_and_get_a_depth_cue(squat_landmarks: np.ndarray) -> None:
    """Knee bend halved: the same movement, never reaching 60 deg: partial repetitions, 'go deeper'."""
    metrics = LiveMetrics("squat")
    standing = squat_landmarks[0]
    cues: list[str] = []
    for i, frame in enumerate(squat_landmarks):
        shallow = frame.copy()
        for side in ("left", "right"):  # move knee and ankle halfway back to standing
            for name in ("knee", "ankle", "heel", "foot_index"):
                k = I[f"{side}_{name}"]
                shallow[k] = (
                    0.5 * (frame[k] + standing[k])
                    + (frame[I[f"{side}_hip"]] - standing[I[f"{side}_hip"]]) * 0.5
                )
        out, fired = metrics.update(shallow, time_s=i / 5.0)
        cues += fired
    assert out["reps"] == 0 and out["partial_reps"] >= 1
    assert "go deeper" in cues


def test_gait_cadence_from_feet_passing() -> None:
    metrics = LiveMetrics("gait")
    base = np.zeros((33, 3))
    base[I["left_hip"]], base[I["right_hip"]] = (300, 200, 0), (310, 200, 0)
    base[I["left_knee"]], base[I["right_knee"]] = (300, 300, 0), (310, 300, 0)
    out: dict[str, float | int | None] = {}
    for k in range(300):  # 30 Hz, strides of 1 s: two steps per second = 120 steps/min
        t = k / 30.0
        frame = base.copy()
        swing = 60 * math.sin(2 * math.pi * t)
        frame[I["left_ankle"]] = (305 + swing, 400, 0)
        frame[I["right_ankle"]] = (305 - swing, 400, 0)
        out, _ = metrics.update(frame, time_s=t)
    assert out["cadence_steps_per_min"] == pytest.approx(120, rel=0.03)


def test_angles_follow_the_documented_conventions() -> None:
    image = np.zeros((33, 3))
    image[I["left_hip"]], image[I["left_knee"]], image[I["left_ankle"]] = (
        (0, 0, 1),
        (0, 100, 1),
        (100, 100, 1),
    )
    assert joint_angles_2d(image, ("left_knee",)) == {"left_knee": pytest.approx(90.0)}
    image[I["left_ankle"]] = (0, 200, 1)
    assert joint_angles_2d(image, ("left_knee",)) == {"left_knee": pytest.approx(0.0)}


def test_protocol_round_trip_and_limits() -> None:
    data = protocol.encode_frame(b"\xff\xd8\xff\xe0rest", seq=7, client_ms=1234.5)
    frame = protocol.parse_binary(data)
    assert (frame.seq, frame.client_ms, frame.jpeg) == (7, 1234.5, b"\xff\xd8\xff\xe0rest")
    with pytest.raises(protocol.ProtocolError) as exc:
        protocol.parse_text(json.dumps({"type": "config", "people": 9}))
    assert exc.value.code == "bad_message"
    with pytest.raises(protocol.ProtocolError):
        protocol.parse_text(json.dumps({"type": "record", "action": "start", "visit_id": "nope"}))


def test_browser_keypoints_give_the_same_result_as_server_frames(squat_landmarks: np.ndarray) -> None:
    """In-browser mode sends what the model computed; the overlay data and metrics must not differ."""
    server = LiveSession(model="full", factory=lambda m, p: ReplayEstimator(squat_landmarks, (720, 1280)))
    browser = LiveSession(model="full")
    clock = itertools.count()
    server.clock = browser.clock = lambda: next(clock) * 0.1  # type: ignore[method-assign]
    a = b = {}
    for frame in squat_landmarks[:30]:
        a = server.process_jpeg(jpeg(72, 128))
        normalized = np.column_stack(
            [frame[:, 0] / 720, frame[:, 1] / 1280, frame[:, 2] / 720, np.full(33, 0.9)]
        )
        b = browser.process_keypoints(normalized[None], None, width_px=72, height_px=128)
    np.testing.assert_allclose(
        np.array(a["people"][0]["landmarks"]), np.array(b["people"][0]["landmarks"]), atol=2e-3
    )
    assert a["metrics"]["reps"] == b["metrics"]["reps"] == 1


def test_starting_a_recording_starts_the_counters_again(squat_landmarks: np.ndarray) -> None:
    """The page's count is the recording's own: two repetitions before it, none right after."""
    session = LiveSession(model="full", exercise="squat")
    clock = itertools.count()
    session.clock = lambda: next(clock) * 0.2  # type: ignore[method-assign]

    def feed(frame: np.ndarray) -> dict:
        normalized = np.column_stack(
            [frame[:, 0] / 720, frame[:, 1] / 1280, frame[:, 2] / 720, np.full(33, 0.9)]
        )
        return session.process_keypoints(normalized[None], None, width_px=720, height_px=1280)

    for frame in squat_landmarks[:45]:
        before = feed(frame)
    assert before["metrics"]["reps"] == 2
    assert before["metrics"]["depth"] == pytest.approx(89.0, abs=1.0)  # peak knee flexion, rep 2
    session.start_recording()
    after = feed(squat_landmarks[45])
    assert after["metrics"]["reps"] == 0 and after["metrics"]["depth"] is None
    assert after["recording_frames"] == 1
