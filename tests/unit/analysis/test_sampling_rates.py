"""The filters and gait events at every sampling rate a camera or a lab may deliver.

The zero-lag low-pass pre-warps its cutoff with tan(pi * cutoff / rate): for 6 Hz that is negative
between 6 and 12 Hz sampling (scipy then refused the design and every analysis of a 10 fps video
stopped) and wraps round below 6 Hz (a 5 fps clip was silently filtered at about 1.2 Hz).
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis.gait import detect_gait_events, gait_parameters, scale_from_units
from analysis.signals import effective_cutoff_hz, lowpass
from analysis.types import Axes, InputError, Trajectories
from tests.unit.analysis.synthetic import walker

RATES_HZ = (5.0, 8.0, 10.0, 12.0, 15.0, 24.0, 30.0, 60.0, 100.0, 240.0)
CUTOFF_HZ = 6.0


def _gain(*, sampling_rate_hz: float, frequency_hz: float, cutoff_hz: float) -> float:
    """Amplitude after :func:`lowpass` of a long sine, relative to before (edges left out)."""
    t = np.arange(round(40 * sampling_rate_hz)) / sampling_rate_hz
    x = np.sin(2 * np.pi * frequency_hz * t)
    y = lowpass(x, sampling_rate_hz=sampling_rate_hz, cutoff_hz=cutoff_hz)
    middle = slice(len(t) // 4, 3 * len(t) // 4)
    return float(np.std(y[middle]) / np.std(x[middle]))


@pytest.mark.parametrize("rate_hz", RATES_HZ)
def test_the_low_pass_runs_at_every_rate_and_says_which_cutoff_it_applied(rate_hz: float) -> None:
    cutoff = effective_cutoff_hz(sampling_rate_hz=rate_hz, cutoff_hz=CUTOFF_HZ)
    rng = np.random.default_rng(int(rate_hz))
    noisy = rng.normal(size=(round(10 * rate_hz), 3))
    filtered = lowpass(noisy, sampling_rate_hz=rate_hz, cutoff_hz=CUTOFF_HZ)
    assert filtered.shape == noisy.shape and np.isfinite(filtered).all()
    if rate_hz <= 12.0:
        # 6 Hz is at or above (or too close to) Nyquist: nothing is filtered, and it is said.
        assert cutoff is None
        np.testing.assert_array_equal(filtered, noisy)
    else:
        assert cutoff == CUTOFF_HZ
        # The zero-phase filter is -3 dB at its cutoff and passes walking's 1-2 Hz.
        assert _gain(sampling_rate_hz=rate_hz, frequency_hz=CUTOFF_HZ, cutoff_hz=CUTOFF_HZ) == pytest.approx(
            2**-0.5, abs=0.04
        )
        assert _gain(sampling_rate_hz=rate_hz, frequency_hz=1.0, cutoff_hz=CUTOFF_HZ) > 0.98


@pytest.mark.parametrize("rate_hz", [5.0, 8.0, 10.0])
def test_a_slow_cutoff_still_applies_where_the_rate_allows_it(rate_hz: float) -> None:
    """The 2 Hz smoothing of repetition counting works at 5-10 fps (below 0.95 x Nyquist)."""
    assert effective_cutoff_hz(sampling_rate_hz=rate_hz, cutoff_hz=2.0) == 2.0
    assert _gain(sampling_rate_hz=rate_hz, frequency_hz=2.0, cutoff_hz=2.0) == pytest.approx(
        2**-0.5, abs=0.05
    )


@pytest.mark.parametrize("rate_hz", RATES_HZ)
def test_gait_events_are_found_or_refused_with_a_sentence(rate_hz: float) -> None:
    w = walker([(0.5, 8.5, 1)], stride_s=1.1, sampling_rate_hz=rate_hz)
    traj = Trajectories(points=w.points, sampling_rate_hz=rate_hz, axes=Axes())
    if rate_hz < 15.0:
        with pytest.raises(InputError, match="at least 15 frames per second"):
            detect_gait_events(traj)
        return
    events = detect_gait_events(traj)
    params = gait_parameters(events, traj, scale=scale_from_units(traj))
    assert params.step_time_s.both.mean == pytest.approx(0.55, abs=1.0 / rate_hz)
    assert params.cadence_steps_per_min == pytest.approx(60 / 0.55, rel=0.03)
