"""Scale from the recording's units to metres: from physical units, body height or a known length.

Pixel data has no physical scale. The patient's height or a reference of known length (a tape on
the floor, a 10 m walkway) gives it; every result that uses the scale carries a :class:`Scale`
saying which source was used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from analysis.types import BoolArray, FloatArray, InputError, Trajectories

ScaleSource = Literal["units", "height", "known_length"]

#: Segment lengths as fractions of body height H, Drillis & Contini (1966) as drawn in Winter
#: (2009), Biomechanics and Motor Control of Human Movement, fig. 4.1: ankle height 0.039 H,
#: knee 0.285 H, hip (greater trochanter) 0.530 H, shoulder 0.818 H, eye 0.936 H.
SHANK_FRACTION = 0.285 - 0.039
THIGH_FRACTION = 0.530 - 0.285
TRUNK_FRACTION = 0.818 - 0.530
SHOULDER_TO_EYE_FRACTION = 0.936 - 0.818
EYE_FRACTION = 0.936 - 0.039  # eye above the ankle, heel landmark ~ ankle height above floor


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


def _pt(traj: Trajectories, name: str) -> FloatArray:
    """A point; for image landmarks only its image-plane coordinates (MediaPipe's relative depth
    is not a length in pixels)."""
    p = traj.get(name)
    if traj.axes.planar:
        p = p.copy()
        p[:, 2] = 0.0
    return p


def _seg(traj: Trajectories, a: str, b: str) -> FloatArray:
    return np.asarray(np.linalg.norm(_pt(traj, a) - _pt(traj, b), axis=1), dtype=np.float64)


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


@dataclass(frozen=True)
class HeightConfig:
    """Which frames count for the body height and when the scale is trusted (see
    :func:`robust_body_height`)."""

    min_knee_angle_deg: float = 160.0
    max_trunk_tilt_deg: float = 20.0
    outlier_mads: float = 3.0
    min_frames: int = 5
    proportions_pct: float = 4.0
    max_spread_pct: float = 10.0
    max_extent_disagreement_pct: float = 20.0


@dataclass(frozen=True)
class BodyHeight:
    """Body height in recording units: ``median`` of per-frame estimates over ``n_frames``
    upright frames; ``spread_pct`` = half their interquartile range in % of the median;
    ``extent`` = the body's own size (heel to eye / 0.936) over the same frames."""

    median: float
    n_frames: int
    spread_pct: float
    extent: float


def _interior_deg(a: FloatArray, b: FloatArray, c: FloatArray) -> FloatArray:
    u, v = a - b, c - b
    cos = np.sum(u * v, axis=1) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1))
    return np.asarray(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))), dtype=np.float64)


def robust_body_height(
    traj: Trajectories, *, frames: BoolArray | None = None, config: HeightConfig | None = None
) -> BodyHeight:
    """Standing height in recording units from the frames where the subject is upright.

    Per frame: shank + thigh (the straighter leg) + hip-to-shoulder + shoulder-to-eye, divided by
    their Drillis & Contini height fractions. Frames count when the straighter knee is at least
    ``min_knee_angle_deg`` (interior; mid-stance, standing) and the trunk within
    ``max_trunk_tilt_deg`` of vertical, so crouching, bending and segments turned towards the
    camera do not shorten the estimate. Estimates more than ``outlier_mads`` scaled MADs from the
    median are dropped (a limb swapped with someone else's), and the median of the rest is the
    height. Raises :class:`InputError` with the reason when too few frames qualify.
    """
    cfg = config or HeightConfig()
    knee = {
        s: _interior_deg(_pt(traj, f"{s}_hip"), _pt(traj, f"{s}_knee"), _pt(traj, f"{s}_ankle"))
        for s in ("left", "right")
    }
    legs = {
        s: _seg(traj, f"{s}_ankle", f"{s}_knee") + _seg(traj, f"{s}_knee", f"{s}_hip")
        for s in ("left", "right")
    }
    # The longer of the legs that look straight: a leg lifted towards the camera also looks
    # straight in the image but is foreshortened.
    straight = {
        side: np.where(np.nan_to_num(knee[side], nan=0.0) >= cfg.min_knee_angle_deg, legs[side], np.nan)
        for side in ("left", "right")
    }
    leg = np.fmax(straight["left"], straight["right"])
    mid_hip = 0.5 * (_pt(traj, "left_hip") + _pt(traj, "right_hip"))
    mid_sh = 0.5 * (_pt(traj, "left_shoulder") + _pt(traj, "right_shoulder"))
    mid_eye = 0.5 * (_pt(traj, "left_eye") + _pt(traj, "right_eye"))
    trunk_v = mid_sh - mid_hip
    trunk = np.linalg.norm(trunk_v, axis=1)
    head = np.linalg.norm(mid_eye - mid_sh, axis=1)
    up = traj.axes.up_vector()
    with np.errstate(invalid="ignore", divide="ignore"):
        tilt = np.degrees(np.arccos(np.clip((trunk_v @ up) / trunk, -1.0, 1.0)))
    total = (leg + trunk + head) / (
        SHANK_FRACTION + THIGH_FRACTION + TRUNK_FRACTION + SHOULDER_TO_EYE_FRACTION
    )
    ok = np.isfinite(total) & (tilt <= cfg.max_trunk_tilt_deg)
    if frames is not None:
        ok &= frames
    values = total[ok]
    if values.size < cfg.min_frames:
        raise InputError(
            f"Body height cannot be measured: the subject stands upright with legs, trunk and head seen "
            f"in {values.size} frame(s), at least {cfg.min_frames} needed."
        )
    med = float(np.median(values))
    mad = 1.4826 * float(np.median(np.abs(values - med)))
    if mad > 0:
        values = values[np.abs(values - med) <= cfg.outlier_mads * mad]
        med = float(np.median(values))
    q1, q3 = np.percentile(values, [25, 75])
    heel = (
        np.fmax(traj.vertical("left_heel"), traj.vertical("right_heel"))
        if traj.has("left_heel", "right_heel")
        else None
    )
    eye_h = float("nan")
    if heel is not None:
        lowest = np.fmin(traj.vertical("left_heel"), traj.vertical("right_heel"))
        extent = (0.5 * (traj.vertical("left_eye") + traj.vertical("right_eye")) - lowest) / EYE_FRACTION
        extent = extent[ok & np.isfinite(extent)]
        eye_h = float(np.median(extent)) if extent.size else float("nan")
    return BodyHeight(
        median=med, n_frames=int(values.size), spread_pct=float(50.0 * (q3 - q1) / med), extent=eye_h
    )


def scale_from_height(
    traj: Trajectories,
    *,
    height_m: float,
    frames: BoolArray | None = None,
    where: str = "",
    config: HeightConfig | None = None,
) -> Scale:
    """Scale from the patient's standing height in metres (see :func:`robust_body_height`).

    Refused with :class:`InputError` (the reason in words) when the per-frame heights spread by
    more than ``max_spread_pct`` (the subject's distance to the camera changed) or disagree with
    the body's pixel size (heel-to-eye extent) by more than ``max_extent_disagreement_pct``
    (segments were mistracked). The accuracy said in the detail combines the spread with the
    uncertainty of the body proportions (``proportions_pct``: segment-to-height ratios vary by a
    few percent between adults).
    """
    cfg = config or HeightConfig()
    if not 0.5 < height_m < 2.6:
        raise InputError(f"A body height of {height_m} m is not plausible; give the height in metres.")
    h = robust_body_height(traj, frames=frames, config=cfg)
    units = traj.axes.units
    if h.spread_pct > cfg.max_spread_pct:
        raise InputError(
            f"No scale: the body height varied by about ±{h.spread_pct:.0f}% across {h.n_frames} upright "
            f"frames (the subject's distance to the camera changed), more than ±{cfg.max_spread_pct:.0f}%."
        )
    if np.isfinite(h.extent) and abs(h.extent / h.median - 1) * 100 > cfg.max_extent_disagreement_pct:
        raise InputError(
            f"No scale: the body measured {h.median:.0f} {units} from its segments but {h.extent:.0f} {units} "
            f"from heel to eye, which disagree by more than {cfg.max_extent_disagreement_pct:.0f}%."
        )
    accuracy = float(np.hypot(cfg.proportions_pct, h.spread_pct))
    return Scale(
        metres_per_unit=height_m / h.median,
        source="height",
        detail=(
            f"{height_m:.2f} m tall = {h.median:.0f} {units}{where} (median of {h.n_frames} upright frames); "
            f"lengths accurate to about ±{max(accuracy, 5.0):.0f}% when the subject stays at the same "
            f"distance from the camera"
        ),
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
