"""Gait events and parameters on synthetic walkers with known event times."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.gait import (
    GaitEvents,
    detect_gait_events,
    gait_parameters,
    scale_from_known_length,
    scale_from_units,
    symmetry,
)
from analysis.types import IMAGE_AXES, Axes, Trajectories
from tests.unit.analysis.synthetic import Walker, walker

RATE = 60.0


def _traj(w: Walker, *, image: bool = False) -> Trajectories:
    if not image:
        return Trajectories(points=w.points, sampling_rate_hz=w.sampling_rate_hz, axes=Axes())
    # Side camera: x to the right at 300 px/m, y down.
    px = {
        k: np.stack([600 + 300 * v[:, 0], 900 - 300 * v[:, 1], 300 * v[:, 2]], axis=1)
        for k, v in w.points.items()
    }
    return Trajectories(points=px, sampling_rate_hz=w.sampling_rate_hz, axes=IMAGE_AXES)


def _check_contacts(ev: GaitEvents, w: Walker, *, tol_s: float = 0.08) -> None:
    # Zeni's heel maximum comes where the decelerating foot's speed falls to the pelvis speed, which
    # for this model's smooth swing profile is ~45-65 ms before contact; step times are unbiased.
    for foot in ("left", "right"):
        got = [e.time_s for e in ev.of(foot, "initial_contact")]
        assert len(got) == len(w.contacts[foot]), (foot, got, w.contacts[foot])
        np.testing.assert_allclose(got, w.contacts[foot], atol=tol_s)
        got_to = [e.time_s for e in ev.of(foot, "toe_off")]
        # The first lift-off starts from standing with the foot under the pelvis: no step-sized
        # excursion before it, so only the later ones are required.
        truth_to = [t for t in w.toe_offs[foot] if any(t - 0.2 <= g <= t + 0.2 for g in got_to)]
        assert len(truth_to) >= len(w.toe_offs[foot]) - 1


@pytest.mark.parametrize("sign", [1, -1], ids=["towards_plus_x", "towards_minus_x"])
@pytest.mark.parametrize("image", [False, True], ids=["metres_y_up", "pixels_y_down"])
@pytest.mark.parametrize("treadmill", [False, True])
def test_steady_walk_known_step_times(sign: int, image: bool, treadmill: bool) -> None:
    w = walker([(0.5, 8.5, sign)], stride_s=1.1, treadmill=treadmill, sampling_rate_hz=RATE)
    traj = _traj(w, image=image)
    ev = detect_gait_events(traj)
    _check_contacts(ev, w)
    scale = scale_from_units(traj) if not image else scale_from_known_length(300.0, length_m=1.0)
    p = gait_parameters(ev, traj, scale=scale)
    assert p.step_time_s.both.mean == pytest.approx(0.55, abs=1 / RATE)
    assert p.stride_time_s.both.mean == pytest.approx(1.1, abs=1 / RATE)
    assert p.cadence_steps_per_min == pytest.approx(60 / 0.55, rel=0.02)
    # Stance and swing share the stride; the Zeni bias (early contact, late toe-off) lengthens
    # stance on this model's smooth swing profile, so only the bookkeeping is exact here.
    assert p.stance_pct + p.swing_pct == pytest.approx(100.0, abs=3.0)
    assert 55.0 < p.stance_pct < 80.0 and p.double_support_pct > 0
    assert p.step_length_m is not None
    assert p.step_length_m.both.mean == pytest.approx(0.65, abs=0.03)
    assert p.gait_speed_m_per_s == pytest.approx(2 * 0.65 / 1.1, rel=0.05)
    assert p.step_time_s.both.cv_pct < 5.0
    assert not p.flags


def test_no_events_while_standing_between_bouts() -> None:
    w = walker([(0.5, 5.0, 1), (8.0, 12.5, 1)], sampling_rate_hz=RATE)
    ev = detect_gait_events(_traj(w))
    _check_contacts(ev, w)
    assert not [e for e in ev.events if 5.3 < e.time_s < 7.9]


def test_turn_events_in_both_directions() -> None:
    w = walker([(0.5, 5.0, 1), (6.0, 10.5, -1)], sampling_rate_hz=RATE)
    ev = detect_gait_events(_traj(w, image=True))
    # Every contact away from the turn (standing 5-6 s) is found; none is invented in the turn.
    for foot in ("left", "right"):
        got = [e.time_s for e in ev.of(foot, "initial_contact")]
        truth = [t for t in w.contacts[foot] if not 4.5 < t < 6.75]
        assert all(min(abs(np.array(got) - t)) < 0.09 for t in truth)
        assert len(got) <= len(w.contacts[foot])
    d = ev.direction[:, 0]
    assert (
        np.nanmedian(d[int(1 * RATE) : int(4 * RATE)]) > 0 > np.nanmedian(d[int(7 * RATE) : int(10 * RATE)])
    )
    # Steps are not paired across the turn.
    p = gait_parameters(ev)
    assert p.step_time_s.both.mean == pytest.approx(0.55, abs=1 / RATE)


def test_asymmetric_walker_is_flagged() -> None:
    w = walker([(0.5, 9.0, 1)], swing_fraction={"left": 0.46, "right": 0.34}, sampling_rate_hz=RATE)
    ev = detect_gait_events(_traj(w))
    p = gait_parameters(ev)
    # True stance ratio 0.66 / 0.54 = 1.22; the Zeni bias adds similar time to both stances, so
    # the measured ratio is smaller but still far above the 1.05 limit.
    assert 1.08 < p.symmetry["stance_time_s"].ratio < 1.25
    codes = {(f.code, f.side) for f in p.flags}
    assert ("uneven_loading", "left") in codes
    assert ("limp", "left") in codes


def test_standing_only_has_no_events() -> None:
    w = walker([], duration_s=5.0, sampling_rate_hz=RATE)
    noise = np.random.default_rng(0).normal(0, 0.003, size=(w.points["pelvis"].shape[0], 3))
    pts = {k: v + noise for k, v in w.points.items()}
    ev = detect_gait_events(Trajectories(points=pts, sampling_rate_hz=RATE))
    assert ev.events == ()
    assert gait_parameters(ev).n_steps == 0


positive = st.floats(0.05, 10.0)


@given(left=positive, right=positive)
def test_symmetry_indices_symmetric_under_side_swap(left: float, right: float) -> None:
    a, b = symmetry(left, right), symmetry(right, left)
    assert a.ratio == pytest.approx(b.ratio)
    assert a.robinson_index_pct == pytest.approx(b.robinson_index_pct)
    assert a.gait_asymmetry_pct == pytest.approx(b.gait_asymmetry_pct)
    assert a.ratio >= 1.0 and a.robinson_index_pct >= 0.0 and a.gait_asymmetry_pct >= 0.0
    if left != right:
        assert {a.larger_side, b.larger_side} == {"left", "right"}


def test_symmetry_known_values() -> None:
    s = symmetry(0.6, 0.5)
    assert s.ratio == pytest.approx(1.2)
    assert s.robinson_index_pct == pytest.approx(100 * 0.1 / 0.55)
    assert s.gait_asymmetry_pct == pytest.approx(100 * np.log(1.2))
    assert s.larger_side == "left"
