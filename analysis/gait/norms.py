"""Normative ranges for healthy adults at comfortable walking speed, and limp / loading flags.

These are population ranges, not age- or height-matched norms: a value outside them is a prompt
for the clinician, not a diagnosis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

#: metric -> (low, high, source)
NORMATIVE_RANGES: dict[str, tuple[float, float, str]] = {
    "gait_speed_m_per_s": (
        1.0,
        1.6,
        "Bohannon & Andrews 2011 (Physiotherapy 97:182), comfortable speed of adults 20-79 y, 1.0-1.6 m/s by age",
    ),
    "cadence_steps_per_min": (
        100.0,
        130.0,
        "Tudor-Locke et al. 2011 (IJBNPA 8:79), adult free-living walking cadence",
    ),
    "step_length_m": (
        0.55,
        0.80,
        "Perry & Burnfield 2010, Gait Analysis, 2nd ed.: adult step length about 0.6-0.8 m",
    ),
    "stance_pct": (57.0, 63.0, "Perry & Burnfield 2010: stance about 60 % of the gait cycle"),
    "double_support_pct": (16.0, 26.0, "Perry & Burnfield 2010: two double-support periods about 10 % each"),
}

#: Symmetry-ratio (larger / smaller) limits above which a side difference is reported, from the
#: 95 % upper bounds in healthy adults (Patterson et al. 2010, Neurorehabil Neural Repair 24:783).
ASYMMETRY_LIMITS: dict[str, float] = {
    "swing_time_s": 1.06,
    "stance_time_s": 1.05,
    "step_length_m": 1.08,
    "step_time_s": 1.06,
}


@dataclass(frozen=True)
class NormComparison:
    metric: str
    value: float
    low: float
    high: float
    status: Literal["below", "within", "above", "unknown"]
    source: str


def compare_with_norms(values: dict[str, float]) -> list[NormComparison]:
    """Compare the metrics of ``values`` that have a normative range."""
    out: list[NormComparison] = []
    for metric, (low, high, source) in NORMATIVE_RANGES.items():
        if metric not in values:
            continue
        v = values[metric]
        status: Literal["below", "within", "above", "unknown"]
        if not math.isfinite(v):
            status = "unknown"
        elif v < low:
            status = "below"
        elif v > high:
            status = "above"
        else:
            status = "within"
        out.append(NormComparison(metric=metric, value=v, low=low, high=high, status=status, source=source))
    return out


@dataclass(frozen=True)
class GaitFlag:
    """A finding worth the clinician's attention, with the rule that produced it."""

    code: Literal["limp", "uneven_loading", "uneven_step_length"]
    side: Literal["left", "right"]
    message: str
    rule: str
