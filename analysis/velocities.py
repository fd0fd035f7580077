"""Velocities of points and segments, left/right velocity asymmetry, jump take-off and landing.

Velocities are central differences (``numpy.gradient``) of the given positions; filter the
positions first (:func:`analysis.signals.lowpass`), as differentiation amplifies noise.
Units are the trajectories' units per second (metres per second for world data).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.gait.symmetry import Symmetry, symmetry
from analysis.types import BoolArray, FloatArray, InputError, Trajectories


def velocity(positions: FloatArray, *, sampling_rate_hz: float) -> FloatArray:
    """Velocity ``(frames, dims)`` of positions ``(frames, dims)``; NaN next to missing samples."""
    p = np.asarray(positions, dtype=np.float64)
    if p.shape[0] < 2:
        raise InputError("At least two frames are needed to compute a velocity.")
    return np.asarray(np.gradient(p, axis=0) * sampling_rate_hz, dtype=np.float64)


def speed(positions: FloatArray, *, sampling_rate_hz: float) -> FloatArray:
    """Magnitude ``(frames,)`` of :func:`velocity`."""
    return np.asarray(
        np.linalg.norm(velocity(positions, sampling_rate_hz=sampling_rate_hz), axis=1), dtype=np.float64
    )


def point_speeds(traj: Trajectories) -> dict[str, FloatArray]:
    """Speed ``(frames,)`` of every named point."""
    return {name: speed(p, sampling_rate_hz=traj.sampling_rate_hz) for name, p in traj.points.items()}


def segment_angular_velocity(
    proximal: FloatArray, distal: FloatArray, *, sampling_rate_hz: float
) -> FloatArray:
    """Angular speed ``(frames,)`` in degrees per second of the segment proximal -> distal.

    From consecutive unit vectors: the angle between ``u(t - 1)`` and ``u(t + 1)`` over two frames.
    """
    u = distal - proximal
    u = u / np.linalg.norm(u, axis=1, keepdims=True)
    out = np.full(u.shape[0], np.nan)
    if u.shape[0] >= 3:
        cross = np.linalg.norm(np.cross(u[:-2], u[2:]), axis=1)
        dot = np.einsum("ij,ij->i", u[:-2], u[2:])
        out[1:-1] = np.degrees(np.arctan2(cross, dot)) * sampling_rate_hz / 2.0
    return out


def velocity_asymmetry(traj: Trajectories, *, point: str, percentile: float = 95.0) -> Symmetry:
    """Left/right asymmetry of a point's speed (e.g. ``point="wrist"`` compares left_wrist and right_wrist).

    Compares a high percentile of each side's speed (the peak, robust to single-frame spikes).
    """
    left, right = (
        _peak(speed(traj.get(f"{side}_{point}"), sampling_rate_hz=traj.sampling_rate_hz), percentile)
        for side in ("left", "right")
    )
    return symmetry(left, right)


def _peak(speeds: FloatArray, percentile: float) -> float:
    """A side's peak speed: ``percentile`` of its seen (finite) speeds, NaN when none is seen."""
    seen = speeds[np.isfinite(speeds)]
    return float(np.percentile(seen, percentile)) if seen.size else math.nan


def angular_velocity_asymmetry(
    left_deg: FloatArray,
    right_deg: FloatArray,
    *,
    sampling_rate_hz: float,
    frames: BoolArray | None = None,
    percentile: float = 95.0,
) -> Symmetry:
    """Left/right asymmetry of a joint's angular speed (deg/s) from its two angle series (deg).

    Each side's angular speed is ``|d angle / dt|`` (:func:`velocity`); its ``percentile`` over
    ``frames`` (a boolean mask, e.g. the repetitions; all frames when None) stands for the side's
    peak, robust to single-frame spikes. ``Symmetry.left``/``right`` are those speeds in deg/s."""
    peaks = []
    for series in (left_deg, right_deg):
        a = np.asarray(series, dtype=np.float64)
        s = np.abs(velocity(a[:, None], sampling_rate_hz=sampling_rate_hz)[:, 0])
        peaks.append(_peak(s if frames is None else s[frames], percentile))
    return symmetry(peaks[0], peaks[1])


@dataclass(frozen=True)
class JumpResult:
    """Take-off and landing of a vertical jump from the centre-of-mass height.

    ``peak_upward_velocity``: largest upward COM velocity before the flight apex (units/s);
    ``landing_time_s``: first frame after the apex where the downward velocity starts to shrink
    (the feet are braking); ``peak_downward_velocity``: the downward speed then;
    ``landing_deceleration``: largest upward acceleration in the ``window_s`` after landing
    (units/s^2); ``jump_height``: apex height above the standing height.
    """

    peak_upward_velocity: float
    takeoff_time_s: float
    apex_time_s: float
    landing_time_s: float
    peak_downward_velocity: float
    landing_deceleration: float
    jump_height: float


def jump_analysis(com_height: FloatArray, *, sampling_rate_hz: float, window_s: float = 0.3) -> JumpResult:
    """Jump metrics from the vertical COM position ``(frames,)`` (bigger = higher, NaN = unseen).

    Standing height is the median of the first 10 % of frames. The apex is the highest point.
    """
    h = np.asarray(com_height, dtype=np.float64)
    if np.isfinite(h).sum() < 5:
        raise InputError("The centre of mass is seen in too few frames to analyse a jump.")
    v = np.gradient(h) * sampling_rate_hz
    a = np.gradient(v) * sampling_rate_hz
    apex = int(np.nanargmax(h))
    takeoff = int(np.nanargmax(v[: apex + 1]))
    after = v[apex:]
    # Landing: the downward velocity peaks when the feet touch the ground and start braking.
    land = apex + int(np.nanargmin(after))
    w = max(1, int(window_s * sampling_rate_hz))
    decel = float(np.nanmax(a[land : land + w + 1])) if land < h.size else math.nan
    start = h[: max(1, h.size // 10)]
    return JumpResult(
        peak_upward_velocity=float(v[takeoff]),
        takeoff_time_s=takeoff / sampling_rate_hz,
        apex_time_s=apex / sampling_rate_hz,
        landing_time_s=land / sampling_rate_hz,
        peak_downward_velocity=float(-v[land]),
        landing_deceleration=decel,
        jump_height=float(h[apex] - np.nanmedian(start)),
    )
