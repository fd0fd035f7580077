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

GRAVITY_M_PER_S2 = 9.81
SIDES = ("left", "right")


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
    )
