"""Velocities with known answers: left/right angular velocity asymmetry by a known ratio, a jump's
take-off velocity from its flight time (v = g t / 2) and a landing of known deceleration."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.jump_test import GRAVITY_M_PER_S2, landing_deceleration
from analysis.types import Axes, Trajectories
from analysis.velocities import angular_velocity_asymmetry
from tests.unit.analysis.synthetic import Pose
from tests.unit.analysis.test_outcome_tests import RATE, _jump_points, _on_floor, _sections, _values


@pytest.mark.parametrize(("left_deg", "right_deg"), [(60.0, 45.0), (30.0, 60.0)])
def test_angular_velocity_asymmetry_by_a_known_ratio(left_deg: float, right_deg: float) -> None:
    """Sines of one frequency: peak speed 2 pi f A per side, so the ratio is the amplitudes'."""
    t = np.arange(int(10 * RATE)) / RATE
    f = 0.5
    sym = angular_velocity_asymmetry(
        left_deg * np.sin(2 * np.pi * f * t), right_deg * np.sin(2 * np.pi * f * t), sampling_rate_hz=RATE
    )
    assert sym.left == pytest.approx(2 * np.pi * f * left_deg, rel=0.02)
    assert sym.right == pytest.approx(2 * np.pi * f * right_deg, rel=0.02)
    assert sym.ratio == pytest.approx(max(left_deg, right_deg) / min(left_deg, right_deg), rel=1e-6)
    assert sym.larger_side == ("left" if left_deg > right_deg else "right")


def test_angular_velocity_asymmetry_only_over_the_given_frames() -> None:
    t = np.arange(int(10 * RATE)) / RATE
    left = np.where(t < 5, 80.0, 20.0) * np.sin(2 * np.pi * t)
    right = 40.0 * np.sin(2 * np.pi * t)
    late = t > 5.5
    sym = angular_velocity_asymmetry(left, right, sampling_rate_hz=RATE, frames=late)
    assert sym.left == pytest.approx(2 * np.pi * 20.0, rel=0.03) and sym.larger_side == "right"


def test_squat_repetitions_report_knee_and_hip_velocity_asymmetry() -> None:
    """Five squats, the right knee and hip bending to 3/4 of the left's angle in the same time."""
    t = np.arange(int(12 * RATE)) / RATE
    rise = 0.5 * (1 - np.cos(2 * np.pi * np.clip((t - 1) / 2.0, 0, 5)))
    p = Pose(n=t.size)
    for side, amp in (("left", 90.0), ("right", 67.5)):
        p.knee_flexion[side] = amp * rise
        p.hip_flexion[side] = amp * rise
    values = _values(_sections(_on_floor(p, np.zeros(t.size)), "squat"))
    peak = np.pi / 2.0 * 90.0  # d/dt of 45 (1 - cos(pi t)) at most 45 pi deg/s
    assert values[("knee_angular_velocity", "left")] == pytest.approx(peak, rel=0.03)
    assert values[("knee_angular_velocity", "right")] == pytest.approx(0.75 * peak, rel=0.03)
    assert values[("knee_angular_velocity_symmetry", "")] == pytest.approx(75.0, abs=1.0)
    assert values[("hip_angular_velocity_symmetry", "")] == pytest.approx(75.0, abs=1.0)


@pytest.mark.parametrize("flight_s", [0.4, 0.5])
def test_jump_takeoff_velocity_from_a_known_flight(flight_s: float) -> None:
    values = _values(_sections(_jump_points(flight_s), "jump"))
    assert values[("jump_takeoff_velocity", "")] == pytest.approx(GRAVITY_M_PER_S2 * flight_s / 2, rel=0.04)
    assert values[("landing_deceleration", "")] > 0


@pytest.mark.parametrize(("decel", "px_per_m", "up_sign"), [(8.0, 100.0, -1.0), (12.0, 400.0, 1.0)])
def test_landing_deceleration_of_a_known_landing(decel: float, px_per_m: float, up_sign: float) -> None:
    """The hip flies 0.5 s from t = 1 s, then brakes at ``decel`` until it stops; the image scale
    is found from the flight's free fall, in either image orientation. Braking lasts 0.2-0.3 s
    (6-9 frames): a shorter impact is not resolved at 30 frames/s (the value is a lower bound)."""
    t = np.arange(int(4 * RATE)) / RATE
    flight = 0.5
    v0 = GRAVITY_M_PER_S2 * flight / 2
    tau = t - 1.0
    h = np.where((tau > 0) & (tau < flight), v0 * tau - GRAVITY_M_PER_S2 * tau**2 / 2, 0.0)
    after = np.clip(t - 1.0 - flight, 0, v0 / decel)
    h = np.where(tau >= flight, -v0 * after + decel * after**2 / 2, h)
    hip = np.zeros((t.size, 3))
    hip[:, 1] = up_sign * (1.0 + h) * px_per_m
    traj = Trajectories(
        points={"left_hip": hip, "right_hip": hip},
        sampling_rate_hz=RATE,
        axes=Axes(vertical=1, up_sign=up_sign),
    )
    got = landing_deceleration(traj, takeoff_s=1.0, touchdown_s=1.0 + flight, from_frame=0, window_s=0.3)
    assert got == pytest.approx(decel, rel=0.05)


def test_landing_deceleration_needs_a_flight_long_enough_to_scale() -> None:
    hip = np.zeros((60, 3))
    traj = Trajectories(points={"left_hip": hip, "right_hip": hip}, sampling_rate_hz=RATE)
    assert landing_deceleration(traj, takeoff_s=1.0, touchdown_s=1.1, from_frame=0, window_s=0.3) is None
