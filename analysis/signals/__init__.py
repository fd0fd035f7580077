"""Signal conditioning: gap interpolation, zero-phase low-pass, Hampel, One-Euro, swap repair."""

from analysis.signals.filtering import effective_cutoff_hz, hampel, interpolate_gaps, lowpass, nan_runs
from analysis.signals.one_euro import OneEuroConfig, OneEuroFilter, one_euro
from analysis.signals.swaps import repair_landmark_swaps, repair_swaps

__all__ = [
    "OneEuroConfig",
    "OneEuroFilter",
    "effective_cutoff_hz",
    "hampel",
    "interpolate_gaps",
    "lowpass",
    "nan_runs",
    "one_euro",
    "repair_landmark_swaps",
    "repair_swaps",
]
