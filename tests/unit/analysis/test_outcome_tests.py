"""The standard outcome tests on synthetic stick figures with known answers, through the whole
analysis (:func:`analysis.report.video_sections`) and into metric values, in both walking
directions and with the camera on either side."""

from __future__ import annotations

import re

import numpy as np
import pytest

from analysis.gait.scale import scale_from_known_length
from analysis.jump_test import GRAVITY_M_PER_S2
from analysis.outcome_section import StanceSides
from analysis.outcomes import FiveTimesResult, TugResult, WalkTestResult, ten_metre_walk
from analysis.report import video_sections
from analysis.results import Ergonomics, SkeletonFit, VideoResult
from analysis.types import Trajectories
from clinic.analysis_jobs.metrics import metric_values
from tests.unit.analysis.synthetic import Pose, build, to_landmarks

RATE = 30.0
PX_PER_M = 100.0
SIDES = (True, False)  # camera on the subject's right, on the left


def _on_floor(pose: Pose, lift: np.ndarray) -> dict[str, np.ndarray]:
    """Points of ``pose`` with the pelvis placed so the lowest foot point is ``lift`` m above the
    floor (0: standing; the joints' angles decide how far the pelvis drops)."""
    n = pose.n
    x = pose.pelvis[:, 0] if pose.pelvis is not None else np.zeros(n)
    pose.pelvis = np.stack([np.zeros(n), np.zeros(n), np.zeros(n)], axis=1)
    pts = build(pose)
    feet = np.min(
        np.stack([pts[f"{s}_{p}"][:, 1] for s in ("left", "right") for p in ("heel", "foot_index", "ankle")]),
        axis=0,
    )
    shift = np.stack([x, lift - feet, np.zeros(n)], axis=1)
    return {k: v + shift for k, v in pts.items()}


def _sections(
    pts: dict[str, np.ndarray],
    activity: str,
    *,
    camera_on_right: bool = True,
    mode: str = "image",
    heading_deg: float = 0.0,
    height_m: float | None = None,
):  # type: ignore[no-untyped-def]
    lm = to_landmarks(
        pts, mode=mode, camera_on_right=camera_on_right, px_per_m=PX_PER_M, heading_deg=heading_deg
    )
    return video_sections(lm, sampling_rate_hz=RATE, exercise=activity, height_m=height_m)  # type: ignore[arg-type]


def _values(sections) -> dict[tuple[str, str], float]:  # type: ignore[no-untyped-def]
    result = VideoResult(
        sections=sections, ergonomics=Ergonomics(summary=None, reason="-"), skeleton_fit=SkeletonFit(fit=None)
    )
    return {(v.metric, v.side): v.value for v in metric_values(result)}


def _chair_pose(n_stands: int, period_s: float = 2.5, tail_s: float = 3.0) -> Pose:
    """Seated (hips and knees at 90 deg) to standing and back ``n_stands`` times from t = 1 s."""
    t = np.arange(int((1.0 + n_stands * period_s + tail_s) * RATE)) / RATE
    phase = np.clip((t - 1.0) / period_s, 0, n_stands)
    rise = 0.5 * (1 - np.cos(2 * np.pi * phase))  # 0 seated, 1 standing
    p = Pose(n=t.size)
    for s in ("left", "right"):
        p.knee_flexion[s] = 90.0 * (1 - rise)
        p.hip_flexion[s] = 90.0 * (1 - rise)
    return p


@pytest.mark.parametrize("camera_on_right", SIDES)
def test_chair_stand_counts_twelve_known_rises(camera_on_right: bool) -> None:
    pts = _on_floor(_chair_pose(12), np.zeros(_chair_pose(12).n))
    sections = _sections(pts, "chair_stand_30s", camera_on_right=camera_on_right)
    assert sections.outcome is not None and sections.outcome.result.count == 12  # type: ignore[union-attr]
    assert _values(sections)[("chair_stand_count", "")] == 12


def test_chair_stand_stops_at_thirty_seconds() -> None:
    pose = _chair_pose(16)  # 2.5 s each: 12 fit in 30 s
    sections = _sections(_on_floor(pose, np.zeros(pose.n)), "chair_stand_30s")
    assert _values(sections)[("chair_stand_count", "")] == 12


@pytest.mark.parametrize("camera_on_right", SIDES)
def test_five_times_sit_to_stand_time(camera_on_right: bool) -> None:
    pose = _chair_pose(6, period_s=2.0)
    sections = _sections(
        _on_floor(pose, np.zeros(pose.n)), "five_times_sit_to_stand", camera_on_right=camera_on_right
    )
    five = sections.outcome.result  # type: ignore[union-attr]
    assert isinstance(five, FiveTimesResult) and five.full_stands == 6
    # First rise starts at 1 s, seated after the fifth at 11 s; the rise is detected a little
    # after it leaves the seat and the return a little before it reaches it.
    assert five.time_s == pytest.approx(10.0, abs=0.6)
    assert _values(sections)[("five_times_sit_to_stand", "")] == pytest.approx(five.time_s, abs=0.01)


def test_five_times_needs_five_stands() -> None:
    pose = _chair_pose(3, period_s=2.0)
    sections = _sections(_on_floor(pose, np.zeros(pose.n)), "five_times_sit_to_stand")
    five = sections.outcome.result  # type: ignore[union-attr]
    assert isinstance(five, FiveTimesResult) and five.time_s is None and five.full_stands == 3
    assert ("five_times_sit_to_stand", "") not in _values(sections)


def _tug_points(direction: float) -> dict[str, np.ndarray]:
    """Rise 1-2 s, walk 3 m out 2-6.5 s, turn 6.5-8 s, walk back 8-12.5 s, sit 13-14 s."""
    t = np.arange(int(16 * RATE)) / RATE
    rise = np.interp(t, [0, 1, 2, 13, 14, 16], [0, 0, 1, 1, 0, 0])
    p = Pose(n=t.size)
    for s in ("left", "right"):
        p.knee_flexion[s] = 90.0 * (1 - rise)
        p.hip_flexion[s] = 90.0 * (1 - rise)
    x = direction * np.interp(t, [0, 2, 6.5, 8, 12.5, 16], [0, 0, 3, 3, 0, 0])
    p.pelvis = np.stack([x, np.zeros(t.size), np.zeros(t.size)], axis=1)
    return _on_floor(p, np.zeros(t.size))


@pytest.mark.parametrize("camera_on_right", SIDES)
@pytest.mark.parametrize("direction", [1.0, -1.0])
def test_tug_known_phase_boundaries(direction: float, camera_on_right: bool) -> None:
    sections = _sections(
        _tug_points(direction),
        "tug",
        camera_on_right=camera_on_right,
        heading_deg=0.0 if direction > 0 else 180.0,
    )
    tug = sections.outcome.result  # type: ignore[union-attr]
    assert isinstance(tug, TugResult)
    # With hips and knees at 90 deg x (1 - rise), the pelvis is the thigh's cos(90 deg x (1 - rise))
    # of the way up: 10 % up at rise 0.064 (1.064 s), 90 % at rise 0.713 (1.713 s); sitting mirrors it.
    up10, up90 = (1 - np.degrees(np.arccos(f)) / 90 for f in (0.1, 0.9))
    assert tug.rise_start_s == pytest.approx(1 + up10, abs=0.1)
    assert tug.standing_s == pytest.approx(1 + up90, abs=0.1)
    assert tug.turn_start_s == pytest.approx(6.5, abs=0.3)
    assert tug.turn_end_s == pytest.approx(8.0, abs=0.3)
    assert tug.sit_start_s == pytest.approx(14 - up90, abs=0.1)
    assert tug.seated_s == pytest.approx(14 - up10, abs=0.1)
    assert tug.total_s == pytest.approx(13 - 2 * up10, abs=0.2)
    assert sum(tug.phases_s.values()) == pytest.approx(tug.total_s)
    assert _values(sections)[("timed_up_and_go", "")] == pytest.approx(tug.total_s, abs=0.01)


def _walk_points(speed_m_per_s: float, direction: float, duration_s: float = 13.0) -> dict[str, np.ndarray]:
    t = np.arange(int(duration_s * RATE)) / RATE
    p = Pose(n=t.size)
    p.pelvis = np.stack([direction * speed_m_per_s * t, np.zeros(t.size), np.zeros(t.size)], axis=1)
    return _on_floor(p, np.zeros(t.size))


@pytest.mark.parametrize("camera_on_right", SIDES)
@pytest.mark.parametrize("direction", [1.0, -1.0])
def test_ten_metre_walk_at_a_known_speed(direction: float, camera_on_right: bool) -> None:
    pts = _walk_points(1.2, direction)
    lm = to_landmarks(
        pts,
        mode="image",
        camera_on_right=camera_on_right,
        px_per_m=PX_PER_M,
        heading_deg=0.0 if direction > 0 else 180.0,
    )
    traj = Trajectories.from_landmarks(lm, sampling_rate_hz=RATE)
    walk = ten_metre_walk(traj, scale=scale_from_known_length(PX_PER_M, length_m=1.0))
    assert walk.method == "timed"  # 2 + 10 m are in the 15.6 m walked
    assert walk.speed_m_per_s == pytest.approx(1.2, rel=0.01)
    assert walk.time_s == pytest.approx(10 / 1.2, rel=0.01)


def test_ten_metre_walk_through_the_analysis_needs_a_height() -> None:
    pts = _walk_points(1.2, 1.0)
    without = _sections(pts, "ten_metre_walk")
    assert without.outcome is None and "body height" in without.analysis.absent["outcome"]
    with_height = _sections(pts, "ten_metre_walk", height_m=1.75)
    walk = with_height.outcome.result  # type: ignore[union-attr]
    assert isinstance(walk, WalkTestResult)
    # The scale comes from the figure's proportions and the height given, not a known length.
    assert walk.speed_m_per_s == pytest.approx(1.2, rel=0.15)
    assert _values(with_height)[("ten_metre_walk_speed", "")] == pytest.approx(walk.speed_m_per_s, abs=0.01)


def _jump_points(
    flight_s: float, *, knee_left: float = 70.0, knee_right: float = 50.0
) -> dict[str, np.ndarray]:
    """Standing, a 0.4 s countermovement, a flight of ``flight_s`` from t = 1.5 s, a landing that
    bends the knees to ``knee_left``/``knee_right`` and stands again."""
    t = np.arange(int(4.0 * RATE)) / RATE
    v0 = GRAVITY_M_PER_S2 * flight_s / 2
    tau = t - 1.5
    lift = np.where((tau > 0) & (tau < flight_s), v0 * tau - 0.5 * GRAVITY_M_PER_S2 * tau**2, 0.0)
    land = 1.5 + flight_s
    p = Pose(n=t.size)
    dip = np.interp(t, [0, 1.1, 1.3, 1.5, 4], [0, 0, 1, 0, 0])
    for side, peak in (("left", knee_left), ("right", knee_right)):
        after = np.interp(t, [0, land, land + 0.25, land + 0.8, 4], [0, 0, peak, 0, 0])
        p.knee_flexion[side] = 60.0 * dip + after
        p.hip_flexion[side] = 0.5 * (60.0 * dip + after)
    return _on_floor(p, lift)


@pytest.mark.parametrize("camera_on_right", SIDES)
def test_jump_height_from_a_known_flight_time(camera_on_right: bool) -> None:
    sections = _sections(_jump_points(0.5), "jump", camera_on_right=camera_on_right)
    jump = sections.outcome.result  # type: ignore[union-attr]
    assert jump.flight_time_s == pytest.approx(0.5, abs=0.02)  # type: ignore[union-attr]
    assert not jump.dropped_from_box  # type: ignore[union-attr]
    values = _values(sections)
    assert values[("jump_height", "")] == pytest.approx(GRAVITY_M_PER_S2 * 0.25 / 8, abs=0.025)  # 0.31 m
    assert values[("landing_knee_flexion", "left")] == pytest.approx(70.0, abs=4.0)
    assert values[("landing_knee_flexion", "right")] == pytest.approx(50.0, abs=4.0)
    assert values[("landing_knee_flexion_symmetry", "")] == pytest.approx(100 * 50 / 70, abs=5.0)


def test_jump_from_the_front_gives_height_and_valgus_not_flexion() -> None:
    sections = _sections(_jump_points(0.4), "jump", mode="front")
    values = _values(sections)
    assert values[("jump_height", "")] == pytest.approx(GRAVITY_M_PER_S2 * 0.16 / 8, abs=0.025)
    assert ("landing_knee_flexion", "left") not in values  # a side-view measure
    assert {("knee_valgus_peak", "left"), ("knee_valgus_peak", "right")} <= set(values)


def test_no_jump_is_a_clear_reason() -> None:
    pose = Pose(n=int(3 * RATE))
    sections = _sections(_on_floor(pose, np.zeros(pose.n)), "jump")
    assert sections.outcome is None and "never leave the floor" in sections.analysis.absent["outcome"]


def test_single_leg_stance_per_side() -> None:
    t = np.arange(int(20 * RATE)) / RATE
    p = Pose(n=t.size)
    # Standing on the right (left foot up) 1-9 s, both down, then on the left 11-16 s.
    left_up = ((t > 1) & (t < 9)).astype(float)
    right_up = ((t > 11) & (t < 16)).astype(float)
    p.knee_flexion["left"], p.hip_flexion["left"] = 50.0 * left_up, 50.0 * left_up
    p.knee_flexion["right"], p.hip_flexion["right"] = 50.0 * right_up, 50.0 * right_up
    sections = _sections(_on_floor(p, np.zeros(t.size)), "single_leg_stance", mode="front")
    sides = sections.outcome.result  # type: ignore[union-attr]
    assert isinstance(sides, StanceSides) and sides.left is not None and sides.right is not None
    values = _values(sections)
    assert values[("single_leg_stance_time", "right")] == pytest.approx(8.0, abs=0.3)
    assert values[("single_leg_stance_time", "left")] == pytest.approx(5.0, abs=0.3)


def test_tug_summary_prints_score_phases_and_norm() -> None:
    from capture.sections import summary_lines

    sections = _sections(_tug_points(1.0), "tug").to_json()
    lines = summary_lines(sections, age_years=78, sex="female")
    text = "\n".join(lines)
    assert "outcome: Timed Up and Go test" in text
    assert "phases: sit to stand 0.7 s, walk out" in text and "turn and sit" in text
    assert re.search(r"Timed Up and Go: 12\.\d+ s; norm: 12 s or more: fall risk \(CDC STEADI", text)


def test_drop_vertical_jump_lands_from_the_box_then_jumps() -> None:
    """On a 0.3 m box until 1 s, a free fall to the floor (0.247 s), 0.4 s on the floor, a jump
    with a 0.45 s flight."""
    t = np.arange(int(4.0 * RATE)) / RATE
    fall = np.sqrt(2 * 0.3 / GRAVITY_M_PER_S2)
    land = 1.0 + fall
    takeoff = land + 0.4
    v0 = GRAVITY_M_PER_S2 * 0.45 / 2
    lift = np.where(t < 1.0, 0.3, 0.0)
    lift = np.where((t >= 1.0) & (t < land), 0.3 - 0.5 * GRAVITY_M_PER_S2 * (t - 1.0) ** 2, lift)
    tau = t - takeoff
    lift = np.where((tau > 0) & (tau < 0.45), v0 * tau - 0.5 * GRAVITY_M_PER_S2 * tau**2, lift)
    p = Pose(n=t.size)
    for side in ("left", "right"):
        p.knee_flexion[side] = np.interp(t, [0, land, land + 0.2, takeoff, 4], [0, 0, 60, 0, 0])
        p.hip_flexion[side] = 0.5 * p.knee_flexion[side]
    sections = _sections(_on_floor(p, lift), "jump")
    jump = sections.outcome.result  # type: ignore[union-attr]
    assert jump.dropped_from_box  # type: ignore[union-attr]
    assert jump.landing_s == pytest.approx(land, abs=0.04)  # type: ignore[union-attr]
    assert jump.flight_time_s == pytest.approx(0.45, abs=0.02)  # type: ignore[union-attr]
    values = _values(sections)
    # A bend peaking 0.2 s after contact and straightening 0.2 s later is a sharp peak: the angles'
    # 6 Hz low-pass lowers it by about a tenth (a slower landing above keeps it within 4 deg).
    assert 50.0 <= values[("landing_knee_flexion", "left")] <= 60.5
    assert values[("landing_knee_flexion_symmetry", "")] == pytest.approx(100.0, abs=3.0)
