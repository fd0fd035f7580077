"""Filters on analytic signals."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.signals import (
    OneEuroConfig,
    OneEuroFilter,
    hampel,
    interpolate_gaps,
    lowpass,
    one_euro,
    repair_landmark_swaps,
)
from analysis.types import BlazePose
from tests.unit.analysis.synthetic import Pose, build, to_landmarks

FS = 100.0
T = np.arange(0, 4, 1 / FS)


def test_lowpass_keeps_slow_sine_removes_fast_and_has_zero_phase() -> None:
    slow = np.sin(2 * np.pi * 1.0 * T)
    fast = 0.5 * np.sin(2 * np.pi * 30.0 * T)
    out = lowpass(slow + fast, sampling_rate_hz=FS)
    inner = slice(50, -50)
    assert np.max(np.abs(out[inner] - slow[inner])) < 0.02
    # -3 dB at the cutoff for the zero-phase 4th-order design.
    at_cut = lowpass(np.sin(2 * np.pi * 6.0 * T), sampling_rate_hz=FS)
    assert np.max(np.abs(at_cut[100:-100])) == pytest.approx(1 / np.sqrt(2), abs=0.03)


def test_lowpass_is_gap_aware() -> None:
    x = np.sin(2 * np.pi * 1.0 * T)
    x[150:170] = np.nan
    x[300:] += 100.0  # a jump after... is not across a gap, but the gap must stay a gap
    out = lowpass(x, sampling_rate_hz=FS)
    assert np.isnan(out[150:170]).all() and np.isfinite(out[:150]).all()
    filled = lowpass(x, sampling_rate_hz=FS, max_gap_frames=25)
    assert np.isfinite(filled[150:170]).all()
    with pytest.raises(ValueError, match="even"):
        lowpass(x, sampling_rate_hz=FS, order=3)


def test_lowpass_gap_does_not_leak_offset() -> None:
    x = np.concatenate([np.zeros(100), np.full(10, np.nan), np.full(100, 5.0)])
    out = lowpass(x, sampling_rate_hz=FS)
    np.testing.assert_allclose(out[:100], 0.0, atol=1e-9)
    np.testing.assert_allclose(out[110:], 5.0, atol=1e-9)


def test_interpolate_gaps_respects_max_length_and_edges() -> None:
    x = np.array([np.nan, 1.0, np.nan, 3.0, np.nan, np.nan, np.nan, 7.0, np.nan])
    out = interpolate_gaps(x, max_gap_frames=2)
    assert out[2] == 2.0
    assert np.isnan(out[4:7]).all() and np.isnan(out[0]) and np.isnan(out[-1])
    np.testing.assert_allclose(interpolate_gaps(x, max_gap_frames=3)[4:7], [4.0, 5.0, 6.0])


def test_hampel_replaces_spikes_only() -> None:
    x = np.sin(2 * np.pi * 0.5 * T)
    spiky = x.copy()
    spiky[[40, 200, 333]] += 5.0
    clean, mask = hampel(spiky)
    assert set(np.flatnonzero(mask)) == {40, 200, 333}
    assert np.max(np.abs(clean - x)) < 0.05


def test_one_euro_smooths_jitter_and_follows_motion() -> None:
    rng = np.random.default_rng(1)
    still = 1.0 + rng.normal(0, 0.01, 200)
    out = one_euro(still, sampling_rate_hz=30.0)
    assert np.std(out[50:]) < 0.5 * np.std(still[50:])
    ramp = np.linspace(0, 10, 60)  # 5 units/s
    lags = []
    for beta in (0.0, 0.5):
        f = OneEuroFilter(OneEuroConfig(beta=beta))
        lags.append(10 - [f(np.array([v]), time_s=i / 30)[0] for i, v in enumerate(ramp)][-1])
    # Fixed 1 Hz cutoff lags about v / (2 pi fc) = 0.8; the speed term raises the cutoff.
    assert lags[0] == pytest.approx(5 / (2 * np.pi), rel=0.25)
    assert lags[1] < 0.4 * lags[0]
    g = OneEuroFilter()
    g(np.array([1.0, np.nan]), time_s=0.0)
    out2 = g(np.array([2.0, 5.0]), time_s=0.1)
    assert out2[1] == 5.0  # a reappearing value restarts, no stale blending
    with pytest.raises(ValueError):
        g(np.array([2.0, 5.0]), time_s=0.1)


def test_swap_repair_undoes_label_swaps() -> None:
    n = 60
    p = Pose(n=n)
    p.hip_flexion["left"] = 25 * np.sin(np.linspace(0, 4 * np.pi, n))
    p.hip_flexion["right"] = -p.hip_flexion["left"]
    lm = to_landmarks(build(p), mode="image")
    truth = lm.copy()
    swapped = lm.copy()
    frames = [20, 21, 22, *range(30, 39), 45]
    for a, b in ((BlazePose.LEFT_ANKLE, BlazePose.RIGHT_ANKLE), (BlazePose.LEFT_KNEE, BlazePose.RIGHT_KNEE),
                 (BlazePose.LEFT_HEEL, BlazePose.RIGHT_HEEL), (BlazePose.LEFT_FOOT_INDEX, BlazePose.RIGHT_FOOT_INDEX)):  # fmt: skip
        swapped[frames, a], swapped[frames, b] = lm[frames, b], lm[frames, a]
    fixed, masks = repair_landmark_swaps(swapped)
    assert set(np.flatnonzero(masks["legs"])) == set(frames)
    np.testing.assert_allclose(fixed, truth)
    assert not masks["arms"].any()


def test_isolated_single_frame_swap_is_repaired_where_prediction_is_ambiguous() -> None:
    from analysis.signals.swaps import isolated_swaps

    # One foot in fast swing (30 px/frame), the other still 100 px behind it at frame 5, where the labels cross.
    t = np.arange(11, dtype=float)
    left = np.stack([1100 - 30 * t, np.full(11, 900.0)], axis=1)[:, None, :]
    right = np.stack([np.full(11, 850.0), np.full(11, 905.0)], axis=1)[:, None, :]
    left_obs, right_obs = left.copy(), right.copy()
    left_obs[5], right_obs[5] = right[5], left[5]
    flagged = isolated_swaps(left_obs, right_obs)
    assert list(np.flatnonzero(flagged)) == [5]
    assert not isolated_swaps(left, right).any()
