"""REBA (Rapid Entire Body Assessment) per frame, its summary, and repetition frequency.

Hignett & McAtamney (2000), "Rapid Entire Body Assessment (REBA)", Applied Ergonomics 31:201-205.
Body-part scores come from the angles of :mod:`analysis.angles`; the parts a camera cannot judge
(load, coupling, arm support, shoulder shrug) are inputs in :class:`RebaConfig`. Adjustments
used: trunk +1 when side-bent or twisted over 10 deg; neck +1 when tilted sideways over 10 deg;
upper arm +1 when abducted over 45 deg; legs +1 for 30-60 deg knee flexion, +2 beyond 60. When
the arm's flexion is not visible (front view) its elevation is taken from the abduction angle.

Risk levels (action levels): 1 negligible, 2-3 low, 4-7 medium, 8-10 high, 11-15 very high.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import minimum_filter1d
from scipy.signal import find_peaks

from analysis.angles import interior_angle, joint_angles, signed_angle
from analysis.signals.filtering import lowpass
from analysis.types import FloatArray, Trajectories

# Table A [neck 1-3][trunk 1-5][legs 1-4]
TABLE_A = np.array(
    [
        [[1, 2, 3, 4], [2, 3, 4, 5], [2, 4, 5, 6], [3, 5, 6, 7], [4, 6, 7, 8]],
        [[1, 2, 3, 4], [3, 4, 5, 6], [4, 5, 6, 7], [5, 6, 7, 8], [6, 7, 8, 9]],
        [[3, 3, 5, 6], [4, 5, 6, 7], [5, 6, 7, 8], [6, 7, 8, 9], [7, 8, 9, 9]],
    ]
)
# Table B [lower arm 1-2][upper arm 1-6][wrist 1-3]
TABLE_B = np.array(
    [
        [[1, 2, 2], [1, 2, 3], [3, 4, 5], [4, 5, 5], [6, 7, 8], [7, 8, 8]],
        [[1, 2, 3], [2, 3, 4], [4, 5, 5], [5, 6, 7], [7, 8, 8], [8, 9, 9]],
    ]
)
# Table C [score A 1-12][score B 1-12]
TABLE_C = np.array(
    [
        [1, 1, 1, 2, 3, 3, 4, 5, 6, 7, 7, 7],
        [1, 2, 2, 3, 4, 4, 5, 6, 6, 7, 7, 8],
        [2, 3, 3, 3, 4, 5, 6, 7, 7, 8, 8, 8],
        [3, 4, 4, 4, 5, 6, 7, 8, 8, 9, 9, 9],
        [4, 4, 4, 5, 6, 7, 8, 8, 9, 9, 9, 9],
        [6, 6, 6, 7, 8, 8, 9, 9, 10, 10, 10, 10],
        [7, 7, 7, 8, 9, 9, 9, 10, 10, 11, 11, 11],
        [8, 8, 8, 9, 10, 10, 10, 10, 10, 11, 11, 11],
        [9, 9, 9, 10, 10, 10, 11, 11, 11, 12, 12, 12],
        [10, 10, 10, 11, 11, 11, 11, 12, 12, 12, 12, 12],
        [11, 11, 11, 11, 12, 12, 12, 12, 12, 12, 12, 12],
        [12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12],
    ]
)
RISK_LEVELS = (("negligible", 1, 1), ("low", 2, 3), ("medium", 4, 7), ("high", 8, 10), ("very_high", 11, 15))


@dataclass(frozen=True)
class RebaConfig:
    """Scores a camera cannot see. ``load_score`` 0 (<5 kg), 1 (5-10 kg), 2 (>10 kg), +1 shock;
    ``coupling_score`` 0 good .. 3 unacceptable; ``activity_score`` 0-3 (static > 1 min, repeated
    > 4/min, rapid large changes; the repetition part is added automatically when measured);
    ``arm_supported`` subtracts 1 from the upper-arm score; ``min_hold_s``: a posture counts in
    the summary's final score only if held this long."""

    load_score: int = 0
    coupling_score: int = 0
    activity_score: int = 0
    arm_supported: bool = False
    min_hold_s: float = 0.5
    repetition_threshold_per_min: float = 4.0


def _trunk(flex: FloatArray, bend: FloatArray) -> FloatArray:
    s = np.select(
        [np.abs(flex) <= 5, (flex > -20) & (flex <= 20), (flex <= -20) | (flex <= 60)], [1, 2, 3], 4
    ).astype(float)
    s += np.abs(np.nan_to_num(bend)) > 10
    return np.where(np.isfinite(flex), s, np.nan)


def _neck(flex: FloatArray, tilt: FloatArray) -> FloatArray:
    s = np.where((flex >= -5) & (flex <= 20), 1.0, 2.0) + (np.abs(np.nan_to_num(tilt)) > 10)
    return np.where(np.isfinite(flex), s, np.nan)


def _legs(knee_flex: FloatArray, unilateral: FloatArray) -> FloatArray:
    s = np.where(unilateral, 2.0, 1.0) + np.select([knee_flex > 60, knee_flex >= 30], [2, 1], 0)
    return np.where(np.isfinite(knee_flex), s, np.nan)


def _upper_arm(elev: FloatArray, abd: FloatArray, supported: bool) -> FloatArray:
    s = np.select(
        [(elev >= -20) & (elev <= 20), (elev < -20) | (elev <= 45), elev <= 90], [1, 2, 3], 4
    ).astype(float)
    s += np.nan_to_num(abd) > 45
    s -= 1.0 if supported else 0.0
    return np.where(np.isfinite(elev), np.clip(s, 1, 6), np.nan)


def _lookup(table: NDArray[np.int_], *idx: FloatArray) -> FloatArray:
    ok = np.all([np.isfinite(i) for i in idx], axis=0)
    safe = [np.where(ok, i, 1).astype(int) - 1 for i in idx]
    safe = [np.clip(s, 0, table.shape[k] - 1) for k, s in enumerate(safe)]
    return np.where(ok, table[tuple(safe)].astype(float), np.nan)


@dataclass(frozen=True)
class RebaSummary:
    """``final_score``: highest score held for ``min_hold_s``; ``time_share``: share of scored
    frames at each risk level; ``repetitions_per_min``: see :func:`repetition_frequency`."""

    final_score: int | None
    risk_level: str | None
    time_share: dict[str, float]
    scored_frames: int
    repetitions_per_min: float
    config: RebaConfig


def risk_level(score: float) -> str:
    for name, lo, hi in RISK_LEVELS:
        if lo <= score <= hi:
            return name
    return "very_high"


def repetition_frequency(
    signal_deg: FloatArray, *, sampling_rate_hz: float, min_range_deg: float = 15.0
) -> float:
    """Movements per minute: peaks of a posture angle with at least ``min_range_deg`` prominence."""
    s = lowpass(np.asarray(signal_deg, dtype=np.float64), sampling_rate_hz=sampling_rate_hz, cutoff_hz=2.0)
    good = np.isfinite(s)
    if good.sum() < 3:
        return 0.0
    peaks, _ = find_peaks(np.where(good, s, np.nanmin(s)), prominence=min_range_deg)
    return float(60.0 * len(peaks) / (good.sum() / sampling_rate_hz))


def reba_scores(traj: Trajectories, *, config: RebaConfig | None = None) -> dict[str, FloatArray]:
    """Per-frame REBA scores ``(frames,)``: part scores, ``score_a``, ``score_b`` and ``reba``."""
    cfg = config or RebaConfig()
    ang = joint_angles(traj)
    p = traj.points
    up = p["mid_shoulder"] - p["pelvis"]
    neck = p["mid_ear"] - p["mid_shoulder"]
    right = np.cross(np.cross(p["left_hip"] - p["right_hip"], up), up)  # anterior x up
    if traj.axes.planar:
        # Image data: the neck's sagittal angle is its tilt from the trunk line in the image.
        neck_flex = 180.0 - interior_angle(p["pelvis"][:, :2], p["mid_shoulder"][:, :2], p["mid_ear"][:, :2])
        neck_flex = np.where(np.isfinite(ang["trunk_lean_sagittal"]), neck_flex, np.nan)
    else:
        neck_flex = -signed_angle(up, neck, right)
    ear_line = p["right_ear"] - p["left_ear"]
    sh_line = p["right_shoulder"] - p["left_shoulder"]
    tilt = (
        signed_angle(sh_line, ear_line, np.cross(sh_line, up))
        if not traj.axes.planar
        else np.zeros(traj.n_frames)
    )
    bend = np.fmax(
        np.abs(np.nan_to_num(ang["trunk_lean_frontal"])), np.abs(np.nan_to_num(ang["trunk_rotation"]))
    )
    trunk = _trunk(ang["trunk_lean_sagittal"], bend)
    neck_s = _neck(neck_flex, tilt)
    knee = np.fmax(180.0 - ang["left_knee_angle"], 180.0 - ang["right_knee_angle"])
    feet = {s: np.fmin(traj.vertical(f"{s}_heel"), traj.vertical(f"{s}_toe")) for s in ("left", "right")}
    leg_len = np.nanmedian(traj.vertical("pelvis") - np.fmin(feet["left"], feet["right"]))
    unilateral = np.abs(feet["left"] - feet["right"]) > 0.08 * leg_len
    legs = _legs(knee, unilateral)
    a = _lookup(TABLE_A, neck_s, trunk, legs) + cfg.load_score
    b_sides = []
    for s in ("left", "right"):
        elev = np.where(
            np.isfinite(ang[f"{s}_shoulder_flexion"]),
            ang[f"{s}_shoulder_flexion"],
            ang[f"{s}_shoulder_abduction"],
        )
        ua = _upper_arm(elev, ang[f"{s}_shoulder_abduction"], cfg.arm_supported)
        el = ang[f"{s}_elbow_flexion"]
        la = np.where(np.isfinite(el), np.where((el >= 60) & (el <= 100), 1.0, 2.0), np.nan)
        wrist_dev = 180.0 - interior_angle(p[f"{s}_elbow"], p[f"{s}_wrist"], p[f"{s}_hand"])
        wr = np.where(np.isfinite(wrist_dev), np.where(wrist_dev > 15, 2.0, 1.0), 1.0)
        b_sides.append(_lookup(TABLE_B, la, ua, wr))
    b = np.fmax(b_sides[0], b_sides[1]) + cfg.coupling_score
    c = _lookup(TABLE_C, np.clip(a, 1, 12), np.clip(b, 1, 12))
    reps = repetition_frequency(
        np.fmax(np.nan_to_num(ang["trunk_lean_sagittal"]), 0.0), sampling_rate_hz=traj.sampling_rate_hz
    )
    activity = cfg.activity_score + (1 if reps > cfg.repetition_threshold_per_min else 0)
    return {
        "trunk": trunk,
        "neck": neck_s,
        "legs": legs,
        "score_a": a,
        "score_b": b,
        "reba": np.clip(c + activity, 1, 15),
        "repetitions_per_min": np.full(traj.n_frames, reps),
    }


def reba_summary(
    scores: dict[str, FloatArray], *, sampling_rate_hz: float, config: RebaConfig | None = None
) -> RebaSummary:
    """Summary of :func:`reba_scores`: final score, its risk level and the share of time per level."""
    cfg = config or RebaConfig()
    reba = scores["reba"]
    good = np.isfinite(reba)
    share = {name: 0.0 for name, _, _ in RISK_LEVELS}
    if not good.any():
        return RebaSummary(
            final_score=None,
            risk_level=None,
            time_share=share,
            scored_frames=0,
            repetitions_per_min=0.0,
            config=cfg,
        )
    for name, lo, hi in RISK_LEVELS:
        share[name] = float(((reba >= lo) & (reba <= hi) & good).sum() / good.sum())
    hold = max(1, round(cfg.min_hold_s * sampling_rate_hz))
    held = minimum_filter1d(np.where(good, reba, 0.0), size=min(hold, reba.size), mode="nearest")
    final = int(np.max(held)) if held.max() >= 1 else int(np.nanmax(reba))
    return RebaSummary(
        final_score=final,
        risk_level=risk_level(final),
        time_share=share,
        scored_frames=int(good.sum()),
        repetitions_per_min=float(scores["repetitions_per_min"][0]),
        config=cfg,
    )
