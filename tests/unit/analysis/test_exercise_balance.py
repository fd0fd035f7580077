"""Exercises, balance, outcome tests, ergonomics, velocities and 3D refinement on synthetic figures."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.balance import SEGMENTS, StanceConfig, centre_of_mass, single_leg_stance, sway
from analysis.ergonomics import reba_scores, reba_summary
from analysis.exercise import analyze_exercise, guess_exercise
from analysis.gait import scale_from_known_length
from analysis.outcomes import chair_stand_30s, single_leg_stance_test, ten_metre_walk, timed_up_and_go
from analysis.refine3d import bone_length_cv, refine_skeleton
from analysis.types import Trajectories
from analysis.velocities import jump_analysis, velocity_asymmetry
from tests.unit.analysis.synthetic import Pose, build, to_landmarks

FPS = 30.0


def _reps(
    depths: list[float],
    *,
    rest: float = 0.0,
    rep_s: float = 3.0,
    pause_s: float = 1.0,
    cut: float | None = None,
) -> np.ndarray:
    """A signal of half-cosine excursions to ``depths``; ``cut`` ends the last rep at that fraction."""
    parts = [np.full(int(pause_s * FPS), rest)]
    for k, d in enumerate(depths):
        t = np.linspace(0, 1, int(rep_s * FPS))
        rep = rest + (d - rest) * 0.5 * (1 - np.cos(2 * np.pi * t))
        if cut is not None and k == len(depths) - 1:
            rep = rep[: int(cut * rep.size)]
            parts.append(rep)
            break
        parts += [rep, np.full(int(pause_s * FPS), rest)]
    return np.concatenate(parts)


def _squat(knee_flex: np.ndarray, *, mode: str = "world", valgus_m: float = 0.0) -> Trajectories:
    n = knee_flex.size
    p = Pose(n=n, trunk_lean=0.3 * knee_flex)
    for s in ("left", "right"):
        p.knee_flexion[s] = knee_flex
        p.hip_flexion[s] = 0.6 * knee_flex + 0.3 * knee_flex  # thigh from trunk
        p.ankle_dorsiflexion[s] = 0.4 * knee_flex
    # Keep the feet under the body: lower the pelvis by the leg's vertical shortening.
    thigh_v = 0.45 * np.cos(np.radians(0.6 * knee_flex))
    shank_v = 0.43 * np.cos(np.radians(0.4 * knee_flex))
    p.pelvis = np.stack([np.zeros(n), 0.05 + thigh_v + shank_v, np.zeros(n)], axis=1)
    pts = build(p)
    if valgus_m:
        bend = valgus_m * knee_flex / max(knee_flex.max(), 1e-9)
        pts["left_knee"] = pts["left_knee"] + np.stack([np.zeros(n), np.zeros(n), bend], axis=1)
        pts["right_knee"] = pts["right_knee"] - np.stack([np.zeros(n), np.zeros(n), bend], axis=1)
    lm = to_landmarks(pts, mode=mode)
    return Trajectories.from_landmarks(lm, sampling_rate_hz=FPS, world=mode == "world")


def test_squat_reps_complete_partial_and_cut_off() -> None:
    knee = _reps([90.0, 40.0, 95.0], cut=0.7)
    res = analyze_exercise(_squat(knee), "squat")
    assert [r.complete for r in res.reps] == [True, False, False]
    assert (res.complete_reps, res.partial_reps) == (1, 2)
    assert "depth" in (res.reps[1].reason or "")
    assert "recording ends" in (res.reps[2].reason or "")
    r = res.reps[0]
    assert r.angles_at_bottom["left_knee_flexion_image_plane"] == pytest.approx(90.0, abs=2.0)
    # Depth = peak knee flexion of the repetition (flexion convention), 90 and 40 deg built in.
    assert r.depth == pytest.approx(90.0, abs=1.0)
    assert res.reps[1].depth == pytest.approx(40.0, abs=1.0)
    assert [p.name for p in r.phases] == ["eccentric", "concentric"]
    # The rep starts when 10 % of the excursion is reached: 0.3 s into the 1.5 s half-cosine.
    assert r.phases[0].duration_s == pytest.approx(1.2, abs=0.1)
    assert any(c.text == "go deeper" and c.phase == "bottom" for c in res.cues[2])
    assert guess_exercise(_squat(knee)) == "squat"


def test_squat_cues_knees_and_chest() -> None:
    knee = _reps([100.0, 100.0])
    res = analyze_exercise(_squat(knee, valgus_m=0.06), "squat")
    texts = {c.text for cues in res.cues.values() for c in cues}
    assert "knees tracking over toes" in texts
    assert "go deeper" not in texts
    clean = analyze_exercise(_squat(knee), "squat")
    assert not any(c.text == "knees tracking over toes" for cues in clean.cues.values() for c in cues)
    # Trunk lean reaches 0.3 * 100 = 30 deg: under the 45 deg chest rule.
    assert not any(c.text == "keep your chest up" for cues in clean.cues.values() for c in cues)
    deep_lean = analyze_exercise(_squat(_reps([170.0])), "squat")
    assert any(c.text == "keep your chest up" for cues in deep_lean.cues.values() for c in cues)


def test_curl_and_press_reps_and_phase_order() -> None:
    n_curl = _reps([130.0, 130.0, 60.0], rest=10.0)
    p = Pose(n=n_curl.size)
    p.elbow_flexion["right"] = n_curl
    traj = Trajectories.from_landmarks(to_landmarks(build(p), mode="world"), sampling_rate_hz=FPS, world=True)
    res = analyze_exercise(traj, "curl")
    assert [r.complete for r in res.reps] == [True, True, False]
    assert res.reps[0].phases[0].name == "concentric"
    arm = _reps([170.0, 170.0], rest=80.0)
    p = Pose(n=arm.size)
    for s in ("left", "right"):
        p.shoulder_abduction[s] = arm
        p.elbow_flexion[s] = np.clip(180 - arm, 0, None) + 10
    traj = Trajectories.from_landmarks(to_landmarks(build(p), mode="front"), sampling_rate_hz=FPS)
    res = analyze_exercise(traj, "overhead_press")
    assert res.complete_reps == 2


def test_centre_of_mass_of_standing_figure() -> None:
    assert sum(m for _, _, m, _ in SEGMENTS.values()) == pytest.approx(1.0, abs=1e-4)
    traj = Trajectories.from_landmarks(
        to_landmarks(build(Pose(n=3)), mode="world"), sampling_rate_hz=FPS, world=True
    )
    com = centre_of_mass(traj)
    # Symmetric figure: COM on the midline, above the pelvis (MediaPipe y points down) and below the chest.
    np.testing.assert_allclose(com[:, 2], 0.0, atol=1e-9)
    height_above_pelvis = -(com[:, 1] - traj.get("pelvis")[:, 1])
    assert np.all((height_above_pelvis > 0.0) & (height_above_pelvis < 0.2))


def test_sway_ellipse_area_of_gaussian_cloud() -> None:
    rng = np.random.default_rng(3)
    n = 6000
    com = np.stack([rng.normal(0, 0.01, n), np.zeros(n), rng.normal(0, 0.005, n)], axis=1)
    traj = Trajectories(points={"pelvis": com}, sampling_rate_hz=100.0)
    sw = sway(com, sampling_rate_hz=100.0, traj=traj, cutoff_hz=49.0)
    assert sw.ellipse_area_95 == pytest.approx(np.pi * 5.991 * 0.01 * 0.005, rel=0.1)
    assert sw.plane == "horizontal" and sw.units == "m"
    circle = np.stack(
        [np.cos(np.linspace(0, 2 * np.pi, 1001)), np.zeros(1001), np.sin(np.linspace(0, 2 * np.pi, 1001))],
        axis=1,
    )
    assert sway(circle, sampling_rate_hz=100.0, traj=traj, cutoff_hz=49.0).path_length == pytest.approx(
        2 * np.pi, rel=1e-3
    )


def _one_leg(n: int, lift: np.ndarray) -> Trajectories:
    p = Pose(n=n)
    p.hip_flexion["left"] = lift
    p.knee_flexion["left"] = 2 * lift
    return Trajectories.from_landmarks(to_landmarks(build(p), mode="front"), sampling_rate_hz=60.0)


def test_single_leg_stance_until_touchdown() -> None:
    n = 600
    lift = np.zeros(n)
    lift[60:420] = 45.0
    res = single_leg_stance(_one_leg(n, lift))
    assert res.longest is not None and res.longest.stance_side == "right"
    assert res.longest.duration_s == pytest.approx(6.0, abs=0.15)
    assert res.touchdown
    whole = np.full(n, 45.0)
    test = single_leg_stance_test(_one_leg(n, whole), max_s=30.0)
    assert not test.stance.touchdown and test.time_s == pytest.approx(10.0, abs=0.05)
    assert test.sway is not None and test.sway.path_length >= 0


def test_free_leg_swinging_past_the_stance_leg_is_not_a_touchdown() -> None:
    # Oblique camera (heading 45 deg): a pendulum swing of the free leg, hip -20..+40 deg at 1 Hz,
    # knee nearly straight, passes level with the stance foot twice per second; level but fast.
    n = 300
    t = np.arange(n) / 60.0
    p = Pose(n=n)
    p.hip_flexion["left"] = 10.0 + 30.0 * np.sin(2 * np.pi * 1.0 * t)
    p.knee_flexion["left"] = np.full(n, 5.0)
    traj = Trajectories.from_landmarks(
        to_landmarks(build(p), mode="image", heading_deg=45.0), sampling_rate_hz=60.0
    )
    res = single_leg_stance(traj)
    assert not res.touchdown
    assert res.longest is not None and res.longest.stance_side == "right"
    assert res.longest.start_s < 0.2 and res.longest.end_s == pytest.approx(5.0)
    # Height alone (any speed counts as at rest) would report the swing as a touchdown.
    assert single_leg_stance(traj, config=StanceConfig(max_touchdown_speed_leg_lengths_per_s=1e9)).touchdown
    # The same foot held down level with the stance foot is a touchdown, at the time it stops.
    p.hip_flexion["left"][150:] = 0.0
    p.knee_flexion["left"][150:] = 0.0
    res = single_leg_stance(
        Trajectories.from_landmarks(
            to_landmarks(build(p), mode="image", heading_deg=45.0), sampling_rate_hz=60.0
        )
    )
    assert res.touchdown


def _chair(n_stands: int, period_s: float = 2.5, rate: float = 30.0) -> Trajectories:
    t = np.arange(int((n_stands * period_s + 4) * rate)) / rate
    phase = np.clip((t - 1.0) / period_s, 0, n_stands)
    rise = 0.5 * (1 - np.cos(2 * np.pi * phase))  # 0 seated, 1 standing
    p = Pose(n=t.size)
    knee = 90.0 * (1 - rise)
    for s in ("left", "right"):
        p.knee_flexion[s] = knee
        p.hip_flexion[s] = knee
    p.pelvis = np.stack([0.45 * np.sin(np.radians(knee)), 0.5 + 0.43 * rise, np.zeros(t.size)], axis=1)
    return Trajectories.from_landmarks(to_landmarks(build(p), mode="image"), sampling_rate_hz=rate)


def test_chair_stand_counts_stands_in_30_s() -> None:
    assert chair_stand_30s(_chair(8)).count == 8
    assert chair_stand_30s(_chair(14)).count == 12  # 2.5 s each: 12 stands fit in 30 s


def test_tug_phases_and_ten_metre_walk() -> None:
    rate = 30.0
    t = np.arange(int(16 * rate)) / rate
    rise = np.interp(t, [0, 1, 2, 13, 14, 16], [0, 0, 1, 1, 0, 0])
    # Walk out 3 m from 2 to 6.5 s, turn 6.5-8 s, walk back 8-12.5 s.
    x = np.interp(t, [0, 2, 6.5, 8, 12.5, 16], [0, 0, 3, 3, 0, 0])
    p = Pose(n=t.size)
    p.pelvis = np.stack([x, 0.5 + 0.43 * rise, np.zeros(t.size)], axis=1)
    traj = Trajectories.from_landmarks(to_landmarks(build(p), mode="image"), sampling_rate_hz=rate)
    tug = timed_up_and_go(traj)
    assert tug.total_s == pytest.approx(12.6, abs=0.6)
    assert tug.turn_start_s == pytest.approx(6.5, abs=0.4) and tug.turn_end_s == pytest.approx(8.0, abs=0.4)
    assert set(tug.phases_s) == {"sit_to_stand", "walk_out", "turn", "walk_back", "turn_and_sit"}
    walk = ten_metre_walk(traj.with_points({}), scale=scale_from_known_length(400.0, length_m=1.0))
    assert walk.method == "steady_state" and walk.speed_m_per_s > 0


def test_reba_neutral_low_and_stooped_high() -> None:
    neutral = Trajectories.from_landmarks(
        to_landmarks(build(Pose(n=30)), mode="world"), sampling_rate_hz=FPS, world=True
    )
    summary = reba_summary(reba_scores(neutral), sampling_rate_hz=FPS)
    assert summary.final_score is not None and summary.final_score <= 2
    p = Pose(n=30, trunk_lean=np.full(30, 70.0))
    for s in ("left", "right"):
        p.shoulder_flexion[s] = np.full(30, 100.0)
        p.knee_flexion[s] = np.full(30, 70.0)
        p.hip_flexion[s] = np.full(30, 70.0 + 35.0)  # thigh 35 deg forward of vertical, feet under the body
    stooped = Trajectories.from_landmarks(
        to_landmarks(build(p), mode="world"), sampling_rate_hz=FPS, world=True
    )
    scores = reba_scores(stooped)
    assert scores["trunk"][0] == 4 and scores["legs"][0] == 3
    high = reba_summary(scores, sampling_rate_hz=FPS)
    assert high.final_score is not None and high.final_score >= 8 and high.risk_level in ("high", "very_high")
    assert high.time_share[high.risk_level] == 1.0


def test_jump_take_off_and_landing() -> None:
    rate = 200.0
    t = np.arange(0, 2, 1 / rate)
    v0, g = 2.5, 9.81
    flight = (t >= 0.5) & (t <= 0.5 + 2 * v0 / g)
    h = np.where(flight, v0 * (t - 0.5) - 0.5 * g * (t - 0.5) ** 2, 0.0)
    j = jump_analysis(h + 1.0, sampling_rate_hz=rate)
    assert j.jump_height == pytest.approx(v0**2 / (2 * g), rel=0.02)
    assert j.peak_upward_velocity == pytest.approx(v0, rel=0.05)
    assert j.landing_time_s == pytest.approx(0.5 + 2 * v0 / g, abs=0.02)


def test_velocity_asymmetry_of_arms() -> None:
    n = 90
    p = Pose(n=n)
    p.shoulder_flexion["left"] = 60 * np.sin(np.linspace(0, 4 * np.pi, n))
    p.shoulder_flexion["right"] = 30 * np.sin(np.linspace(0, 4 * np.pi, n))
    traj = Trajectories.from_landmarks(to_landmarks(build(p), mode="world"), sampling_rate_hz=FPS, world=True)
    a = velocity_asymmetry(traj, point="wrist")
    assert a.larger_side == "left" and a.ratio == pytest.approx(2.0, rel=0.1)


def test_refinement_restores_constant_bones() -> None:
    n = 40
    p = Pose(n=n)
    p.knee_flexion["left"] = 40 * (1 - np.cos(np.linspace(0, 2 * np.pi, n)))
    truth = to_landmarks(build(p), mode="world")
    rng = np.random.default_rng(5)
    noisy = truth.copy()
    noisy[..., :3] += rng.normal(0, 0.015, size=noisy[..., :3].shape)
    res = refine_skeleton(noisy)
    assert res.bone_cv_before_pct > 3.0
    assert res.bone_cv_after_pct < 0.5
    assert bone_length_cv(res.world) == pytest.approx(res.bone_cv_after_pct)
    assert res.bone_lengths_m["left_hip-left_knee"] == pytest.approx(0.45, abs=0.02)
    err_before = np.linalg.norm(noisy[:, 23:29, :3] - truth[:, 23:29, :3], axis=2).mean()
    err_after = np.linalg.norm(res.world[:, 23:29] - truth[:, 23:29, :3], axis=2).mean()
    assert err_after < err_before
