"""Scale from the recording's units to metres: from physical units, body height or a known length.

Pixel data has no physical scale. The patient's height or a reference of known length (a tape on
the floor, a 10 m walkway) gives it; every result that uses the scale carries a :class:`Scale`
saying which source was used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from analysis.types import FloatArray, InputError, Trajectories

ScaleSource = Literal["units", "height", "known_length"]

#: Segment lengths as fractions of body height H, Drillis & Contini (1966) as drawn in Winter
#: (2009), Biomechanics and Motor Control of Human Movement, fig. 4.1: ankle height 0.039 H,
#: knee 0.285 H, hip (greater trochanter) 0.530 H, shoulder 0.818 H, eye 0.936 H.
SHANK_FRACTION = 0.285 - 0.039
THIGH_FRACTION = 0.530 - 0.285
TRUNK_FRACTION = 0.818 - 0.530
SHOULDER_TO_EYE_FRACTION = 0.936 - 0.818


@dataclass(frozen=True)
class Scale:
    """Multiply a length in recording units by ``metres_per_unit`` to get metres."""

    metres_per_unit: float
    source: ScaleSource
    detail: str

    def __post_init__(self) -> None:
        if not np.isfinite(self.metres_per_unit) or self.metres_per_unit <= 0:
            raise InputError(
                "The scale to metres could not be determined (no usable body segments were seen)."
            )


def scale_from_units(traj: Trajectories) -> Scale | None:
    """The scale implied by physical units (mm, m), or None for pixels."""
    mpu = traj.axes.metres_per_unit
    if mpu is None:
        return None
    return Scale(metres_per_unit=mpu, source="units", detail=f"recording units are {traj.axes.units}")


def _seg(traj: Trajectories, a: str, b: str) -> FloatArray:
    return np.asarray(np.linalg.norm(traj.get(a) - traj.get(b), axis=1), dtype=np.float64)


def body_height_units(traj: Trajectories, *, percentile: float = 90.0) -> float:
    """Standing height in recording units estimated from segment lengths.

    Sum of shank, thigh (the longer side per frame), hip-to-shoulder and shoulder-to-eye lengths
    divided by their Drillis & Contini height fractions. Foreshortening only shortens projected
    segments, so a high percentile over frames is used rather than the median. Needs BlazePose
    point names (``left_ankle``, ``left_knee``, ``left_hip``, ``left_shoulder``, ``left_eye`` and
    the right ones).
    """
    leg = np.fmax(
        _seg(traj, "left_ankle", "left_knee") + _seg(traj, "left_knee", "left_hip"),
        _seg(traj, "right_ankle", "right_knee") + _seg(traj, "right_knee", "right_hip"),
    )
    mid_hip = traj.mean_of(["left_hip", "right_hip"])
    mid_sh = traj.mean_of(["left_shoulder", "right_shoulder"])
    mid_eye = traj.mean_of(["left_eye", "right_eye"])
    trunk = np.linalg.norm(mid_sh - mid_hip, axis=1)
    head = np.linalg.norm(mid_eye - mid_sh, axis=1)
    total = (leg + trunk + head) / (
        SHANK_FRACTION + THIGH_FRACTION + TRUNK_FRACTION + SHOULDER_TO_EYE_FRACTION
    )
    total = total[np.isfinite(total)]
    if total.size == 0:
        raise InputError("Body height cannot be measured: legs, trunk and head are never all visible.")
    return float(np.percentile(total, percentile))


def scale_from_height(traj: Trajectories, *, height_m: float) -> Scale:
    """Scale from the patient's standing height in metres (see :func:`body_height_units`)."""
    if not 0.5 < height_m < 2.6:
        raise InputError(f"A body height of {height_m} m is not plausible; give the height in metres.")
    h = body_height_units(traj)
    return Scale(
        metres_per_unit=height_m / h,
        source="height",
        detail=f"patient height {height_m:.2f} m measured as {h:.1f} {traj.axes.units}",
    )


def scale_from_known_length(length_units: float, *, length_m: float) -> Scale:
    """Scale from a reference of known length, measured as ``length_units`` in the recording."""
    if length_units <= 0 or length_m <= 0:
        raise InputError("A reference length must be positive both in the recording and in metres.")
    return Scale(
        metres_per_unit=length_m / length_units,
        source="known_length",
        detail=f"reference of {length_m:.3f} m measured as {length_units:.1f} units",
    )
