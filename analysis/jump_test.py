"""Vertical jump and drop landing scored from the feet: flight time, jump height, landing knee bend.

* Flight: both feet off the floor. Each foot's lowest point (heel, toe or ankle) is compared with
  the floor level (the 10th percentile of the lower foot's height over the recording: the feet
  stand on the floor most of the time; a box to drop from is higher). A foot is off when it is
  more than ``lift_fraction`` of the shank length (knee to ankle, median) above the floor; the
  threshold crossings are carried back to the floor along the foot's speed there, so the flight
  time is not shortened by the threshold.
* A *jump* is a flight that starts and ends on the floor; its height is ``g t^2 / 8`` (Bosco et
  al. 1983, Eur J Appl Physiol 50:273), which needs no length scale. A flight from the start of
  the recording is a *drop* from a box.
* Landing: the first touchdown on the floor (of the drop in a drop vertical jump, Hewett et al.
  2005, Am J Sports Med 33:492). Landing knee flexion per side is the peak of the image-plane
  knee bend (180 - hip-knee-ankle) in the ``landing_window_s`` after it; its left/right symmetry is
  100 x smaller / larger. The bend is read from the 6 Hz low-passed landmarks the other angles
  use, which lowers a sharp peak (flexing and straightening within 0.4 s) by about a tenth.
* Take-off velocity: the vertical velocity of the centre of mass leaving the floor, from the
  flight time alone, ``v = g t / 2`` (the flight is a free fall up and back down; Linthorne 2001,
  Am J Phys 69:1198); no length scale is needed. It is the jump's peak vertical velocity.
* Landing deceleration: the largest upward acceleration of the hip centre in the
  ``landing_window_s`` after touchdown (:func:`analysis.velocities.jump_analysis`), in m/s^2. The
  image has no length scale of its own, so the flight gives it: in the air the hip follows
  ``h = h0 + v t - g t^2 / 2``, and the parabola fitted to the hip height over the flight frames
  gives the image units per metre (``-2 x`` its quadratic coefficient ``/ g``). None with fewer
  than ``MIN_FLIGHT_FRAMES`` flight frames. The landmarks are low-passed at 6 Hz and sampled at
  30 frames/s, so an impact peak shorter than about 0.1 s is smoothed: the value is a lower bound
  of the true peak, to compare visits of one patient filmed the same way.
* Video at 30 frames/s resolves the flight time to a few milliseconds only through the
  interpolated crossings; a blurred foot at take-off or landing moves them by up to a frame
  (33 ms: about 3 cm of height at a 0.5 s flight).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from analysis.types import BoolArray, FloatArray, InputError, Trajectories
from analysis.velocities import jump_analysis

GRAVITY_M_PER_S2 = 9.81
SIDES = ("left", "right")
#: Flight frames needed to fit the hip's free-fall parabola (the landing deceleration's scale).
MIN_FLIGHT_FRAMES = 5


@dataclass(frozen=True)
class JumpTest:
    """Times in s from the recording start; ``jump_height_m`` None when no jump from the floor
    was found (a drop landing only); ``landing_knee_flexion_deg`` per side (absent: not seen)."""

    flight_time_s: float | None
    jump_height_m: float | None
    takeoff_s: float | None
    touchdown_s: float | None
    dropped_from_box: bool
    landing_s: float | None
    landing_window_s: float
    landing_knee_flexion_deg: dict[str, float]
    landing_knee_flexion_symmetry_pct: float | None
    takeoff_velocity_m_per_s: float | None = None
    landing_deceleration_m_per_s2: float | None = None


def _lowest_foot(traj: Trajectories) -> tuple[FloatArray, float]:
    """Height of the lower foot's lowest point per frame, and the median shank length."""
    lows = []
    shanks = []
    for side in SIDES:
        names = [n for n in (f"{side}_heel", f"{side}_toe", f"{side}_ankle") if n in traj.points]
        if not names:
            raise InputError(f"The {side} foot is not in the landmarks, so no jump can be scored.")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a frame with no foot point seen
            lows.append(np.nanmin(np.stack([traj.vertical(n) for n in names]), axis=0))
        shanks.append(np.linalg.norm(traj.get(f"{side}_knee") - traj.get(f"{side}_ankle"), axis=1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low = np.nanmin(np.stack(lows), axis=0)
        shank = float(np.nanmedian(np.concatenate(shanks)))
    if not math.isfinite(shank) or shank <= 0 or np.isfinite(low).sum() < 5:
        raise InputError("The feet are seen in too few frames to find a jump.")
    return np.asarray(low, dtype=np.float64), shank


def _runs(mask: BoolArray) -> list[tuple[int, int]]:
    """``(first, last)`` frames of each run of True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1, strict=True))


def _floor_time(
    h: FloatArray, i_before: int, i_after: int, *, level: float, floor: float, rate: float
) -> float:
    """When the foot passed ``floor`` near the crossing of ``level`` between two frames: the
    crossing interpolated, then carried back (or on) to the floor at the foot's speed there."""
    a, b = float(h[i_before]), float(h[i_after])
    t_cross = (i_before + (level - a) / (b - a)) / rate
    speed = abs(b - a) * rate
    shift = (level - floor) / speed if speed > 0 else 0.0
    shift = min(shift, 2.0 / rate)  # never further than two frames: slow feet are standing
    return t_cross - shift if b > a else t_cross + shift


def _hip_height(traj: Trajectories) -> FloatArray:
    """Height of the midpoint of the hips per frame (the centre of mass's stand-in)."""
    return np.asarray((traj.vertical("left_hip") + traj.vertical("right_hip")) / 2.0, dtype=np.float64)


def landing_deceleration(
    traj: Trajectories, *, takeoff_s: float, touchdown_s: float, from_frame: int, window_s: float
) -> float | None:
    """The hip's largest upward acceleration (m/s^2) within ``window_s`` after landing, scaled by
    the free-fall parabola of the flight between ``takeoff_s`` and ``touchdown_s`` (see the module
    docstring); None when the flight has too few seen frames or is not a free fall."""
    rate = traj.sampling_rate_hz
    hip = _hip_height(traj)
    first, last = math.ceil(takeoff_s * rate), math.floor(touchdown_s * rate)
    t = np.arange(first, last + 1) / rate
    h = hip[first : last + 1]
    seen = np.isfinite(h)
    if seen.sum() < MIN_FLIGHT_FRAMES:
        return None
    quadratic = float(np.polyfit(t[seen], h[seen], 2)[0])
    if quadratic >= 0:
        return None
    units_per_m = -2.0 * quadratic / GRAVITY_M_PER_S2
    metres = hip[from_frame:] / units_per_m
    return _finite(jump_analysis(metres, sampling_rate_hz=rate, window_s=window_s).landing_deceleration)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def jump_test(
    traj: Trajectories,
    knee_flexion: dict[str, FloatArray],
    *,
    lift_fraction: float = 0.08,
    min_flight_s: float = 0.1,
    landing_window_s: float = 0.6,
) -> JumpTest:
    """Score a vertical jump or drop (vertical) jump recording (see the module docstring).

    ``knee_flexion``: side -> image-plane knee bend series in degrees (filtered)."""
    rate = traj.sampling_rate_hz
    h, shank = _lowest_foot(traj)
    floor = float(np.nanpercentile(h, 10))
    level = floor + lift_fraction * shank
    with np.errstate(invalid="ignore"):
        off = h > level
    flights = [(a, e) for a, e in _runs(off) if (e - a + 1) / rate >= min_flight_s or a == 0]
    if not flights:
        raise InputError("Both feet never leave the floor together, so no jump or landing was found.")
    dropped = flights[0][0] == 0
    landings = [(a, e) for a, e in flights if e < h.size - 1]
    if not landings:
        raise InputError("The recording ends in the air: no landing was found.")
    first = landings[0]
    landing = _floor_time(h, first[1], first[1] + 1, level=level, floor=floor, rate=rate)
    jump = next(((a, e) for a, e in landings if a > 0), None)
    takeoff = touchdown = flight = height = None
    if jump is not None:
        takeoff = _floor_time(h, jump[0] - 1, jump[0], level=level, floor=floor, rate=rate)
        touchdown = _floor_time(h, jump[1], jump[1] + 1, level=level, floor=floor, rate=rate)
        flight = touchdown - takeoff
        height = GRAVITY_M_PER_S2 * flight**2 / 8.0
    start = math.floor(landing * rate)
    stop = min(h.size, start + round(landing_window_s * rate) + 1)
    peaks: dict[str, float] = {}
    for side in SIDES:
        series = knee_flexion.get(side)
        if series is None:
            continue
        window = series[start:stop]
        if np.isfinite(window).any():
            peaks[side] = float(np.nanmax(window))
    sym = None
    if len(peaks) == 2 and max(peaks.values()) > 0 and min(peaks.values()) >= 0:
        sym = 100.0 * min(peaks.values()) / max(peaks.values())
    decel = None
    if jump is not None and takeoff is not None and touchdown is not None:
        # From shortly before the jump's take-off: the series' apex is this jump's, not a box's.
        before = max(0, jump[0] - round(0.5 * rate))
        decel = landing_deceleration(
            traj, takeoff_s=takeoff, touchdown_s=touchdown, from_frame=before, window_s=landing_window_s
        )
    return JumpTest(
        flight_time_s=flight,
        jump_height_m=height,
        takeoff_s=takeoff,
        touchdown_s=touchdown,
        dropped_from_box=dropped,
        landing_s=landing,
        landing_window_s=landing_window_s,
        landing_knee_flexion_deg=peaks,
        landing_knee_flexion_symmetry_pct=sym,
        takeoff_velocity_m_per_s=None if flight is None else GRAVITY_M_PER_S2 * flight / 2.0,
        landing_deceleration_m_per_s2=decel,
    )
