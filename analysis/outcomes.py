"""Standard outcome tests scored from a recording.

* 30-second chair stand (Jones, Rikli & Beam 1999, Res Q Exerc Sport 70:113): full stands
  within 30 s from the start of the first rise; a stand more than halfway up at 30 s counts.
* Five-times sit-to-stand (Bohannon 2006, Percept Mot Skills 103:215): time from the start of the
  first rise to seated after the fifth full stand.
* Timed Up and Go (Podsiadlo & Richardson 1991, J Am Geriatr Soc 39:142): time from the start of
  rising to being seated again, split into sit-to-stand, walk out, turn, walk back and
  turn-and-sit (phases as in Salarian et al. 2010, IEEE TNSRE 18:303).
* 10-metre walk (Bohannon 1997, Age Ageing 26:15): gait speed over the timed middle of the walk.
* Single-leg stance time (Springer et al. 2007, J Geriatr Phys Ther 30:8): time on one leg until
  the free foot touches down, capped at the test maximum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.balance import SingleLegStance, StanceConfig, Sway, centre_of_mass, single_leg_stance, sway
from analysis.exercise.reps import DEFAULT_THRESHOLDS, count_reps
from analysis.gait.scale import Scale
from analysis.signals.filtering import interpolate_gaps, lowpass
from analysis.types import FloatArray, InputError, Trajectories


@dataclass(frozen=True)
class ChairStandResult:
    count: int
    stand_times_s: list[float]
    start_s: float
    window_s: float
    #: True when the clock started at a given time ("go" of a test run live), not the first rise.
    started_given: bool = False


def chair_stand_30s(
    traj: Trajectories, *, start_s: float | None = None, window_s: float = 30.0
) -> ChairStandResult:
    """30-second chair stand count from the pelvis height (repetitions of ``sit_to_stand``).

    The clock starts at ``start_s`` or, by default, when the first rise begins.
    """
    seg = count_reps(traj, "sit_to_stand")
    rate = traj.sampling_rate_hz
    full = DEFAULT_THRESHOLDS["sit_to_stand"].complete_at
    given = start_s is not None
    if not seg.reps:
        return ChairStandResult(
            count=0, stand_times_s=[], start_s=start_s or 0.0, window_s=window_s, started_given=given
        )
    t0 = start_s if start_s is not None else seg.reps[0].start_frame / rate
    t1 = t0 + window_s
    stands: list[float] = []
    for r in seg.reps:
        top = r.bottom_frame / rate  # the turnaround of a sit-to-stand is standing
        if t0 <= top <= t1 and r.depth >= full:
            stands.append(top)
        elif r.start_frame / rate < t1 < top:
            i = min(int(t1 * rate), seg.signal.size - 1)
            if seg.signal[i] >= 0.5 * r.depth:
                stands.append(t1)
    return ChairStandResult(
        count=len(stands), stand_times_s=stands, start_s=t0, window_s=window_s, started_given=given
    )


@dataclass(frozen=True)
class FiveTimesResult:
    """Five-times sit-to-stand: ``time_s`` (None when fewer than five full stands were found),
    the full stands found and when each stand was reached (s from the recording start)."""

    time_s: float | None
    full_stands: int
    start_s: float | None
    stand_times_s: list[float]


def five_times_sit_to_stand(traj: Trajectories, *, stands: int = 5) -> FiveTimesResult:
    """Time for ``stands`` full stands from the pelvis height (repetitions of ``sit_to_stand``):
    from the start of the first rise to the end of the last stand's return to the seat."""
    seg = count_reps(traj, "sit_to_stand")
    rate = traj.sampling_rate_hz
    full = [r for r in seg.reps if r.depth >= DEFAULT_THRESHOLDS["sit_to_stand"].complete_at]
    tops = [r.bottom_frame / rate for r in full]  # the turnaround of a sit-to-stand is standing
    if not seg.reps:
        return FiveTimesResult(time_s=None, full_stands=0, start_s=None, stand_times_s=[])
    start = seg.reps[0].start_frame / rate
    if len(full) < stands:
        return FiveTimesResult(time_s=None, full_stands=len(full), start_s=start, stand_times_s=tops)
    end = full[stands - 1].end_frame / rate
    return FiveTimesResult(
        time_s=end - start, full_stands=len(full), start_s=start, stand_times_s=tops[:stands]
    )


#: The Timed Up and Go's phases in the order they happen (stored results keep them as a mapping, whose
#: order a JSON store need not keep: PostgreSQL's jsonb sorts keys).
TUG_PHASES = ("sit_to_stand", "walk_out", "turn", "walk_back", "turn_and_sit")


@dataclass(frozen=True)
class TugResult:
    """Timed Up and Go: total time and phase boundaries in seconds from the recording start."""

    total_s: float
    rise_start_s: float
    standing_s: float
    turn_start_s: float
    turn_end_s: float
    sit_start_s: float
    seated_s: float
    phases_s: dict[str, float]


def _progression(traj: Trajectories, pelvis: FloatArray) -> FloatArray:
    """Pelvis position along its main horizontal direction of travel ``(frames,)``."""
    axes = [0] if traj.axes.planar else [a for a in range(3) if a != traj.axes.vertical]
    h = pelvis[:, axes]
    good = np.isfinite(h).all(axis=1)
    if good.sum() < 3:
        raise InputError("The pelvis is seen in too few frames to follow the walk.")
    if len(axes) == 1:
        return np.asarray(h[:, 0], dtype=np.float64)
    centred = h - np.nanmean(h, axis=0)
    _, _, vt = np.linalg.svd(centred[good], full_matrices=False)
    return np.asarray(centred @ vt[0], dtype=np.float64)


def timed_up_and_go(traj: Trajectories, *, turn_speed_fraction: float = 0.3) -> TugResult:
    """Score a TUG recording (seated start and end, walk 3 m, turn, walk back; side or 3D view).

    Seated and standing levels are the 5th and 95th percentiles of pelvis height; rising starts
    when the pelvis passes 10 % of the way up, standing at 90 %. The turn is the stretch around
    the reversal of walking direction where the pelvis moves slower than ``turn_speed_fraction``
    of the peak walking speed.
    """
    rate = traj.sampling_rate_hz
    gap = int(0.5 * rate)
    pelvis = lowpass(traj.get("pelvis"), sampling_rate_hz=rate, cutoff_hz=3.0, max_gap_frames=gap)
    h = pelvis[:, traj.axes.vertical] * traj.axes.up_sign
    lo, hi = np.nanpercentile(h, 5), np.nanpercentile(h, 95)
    if not np.isfinite(hi - lo) or hi - lo <= 0:
        raise InputError("The pelvis never rises, so no Timed Up and Go can be scored.")
    frac = (h - lo) / (hi - lo)
    up10 = np.flatnonzero(frac > 0.1)
    up90 = np.flatnonzero(frac > 0.9)
    if up10.size == 0 or up90.size == 0:
        raise InputError("No rise from the chair was found.")
    rise, standing = int(up10[0]), int(up90[0])
    sit_start, seated = int(up90[-1]), int(up10[-1])
    x = interpolate_gaps(_progression(traj, pelvis), max_gap_frames=gap)
    v = np.gradient(x) * rate
    walk = slice(standing, sit_start + 1)
    vw = v[walk]
    peak = float(np.nanmax(np.abs(vw))) if vw.size else math.nan
    if not np.isfinite(peak) or peak == 0:
        raise InputError("No walking was found between standing up and sitting down.")
    # The turn: from when the outbound walk slows below the threshold to when the walk back
    # reaches it, around the first frame walking back at speed.
    fast = np.flatnonzero(np.abs(vw) > 0.5 * peak)
    first_dir = float(np.sign(vw[fast[0]]))
    back_fast = np.flatnonzero((np.sign(vw) == -first_dir) & (np.abs(vw) > 0.5 * peak))
    if back_fast.size == 0:
        raise InputError("The walk never turns back, so this is not a Timed Up and Go recording.")
    out_moving = np.flatnonzero(
        (np.sign(vw[: back_fast[0]]) == first_dir)
        & (np.abs(vw[: back_fast[0]]) >= turn_speed_fraction * peak)
    )
    a = int(out_moving[-1]) + 1 if out_moving.size else 0
    back_moving = np.flatnonzero(
        (np.arange(vw.size) >= a) & (np.sign(vw) == -first_dir) & (np.abs(vw) >= turn_speed_fraction * peak)
    )
    turn_start = standing + a
    turn_end = standing + int(back_moving[0])
    phases = {
        "sit_to_stand": (standing - rise) / rate,
        "walk_out": (turn_start - standing) / rate,
        "turn": (turn_end - turn_start) / rate,
        "walk_back": (sit_start - turn_end) / rate,
        "turn_and_sit": (seated - sit_start) / rate,
    }
    return TugResult(
        total_s=(seated - rise) / rate,
        rise_start_s=rise / rate,
        standing_s=standing / rate,
        turn_start_s=turn_start / rate,
        turn_end_s=turn_end / rate,
        sit_start_s=sit_start / rate,
        seated_s=seated / rate,
        phases_s=phases,
    )


@dataclass(frozen=True)
class WalkTestResult:
    """10-metre walk: ``speed_m_per_s`` and the time the ``distance_m`` takes at that speed.

    ``method``: "timed" when the pelvis was followed over the whole timed distance (after the
    acceleration zone), "steady_state" when the recording covers less and the speed comes from
    the middle 60 % of the visible walk.
    """

    speed_m_per_s: float
    time_s: float
    distance_m: float
    method: str
    scale_source: str


def ten_metre_walk(
    traj: Trajectories, *, scale: Scale, distance_m: float = 10.0, acceleration_zone_m: float = 2.0
) -> WalkTestResult:
    """Gait speed from the pelvis progression, in metres with ``scale``."""
    rate = traj.sampling_rate_hz
    pelvis = lowpass(traj.get("pelvis"), sampling_rate_hz=rate, cutoff_hz=3.0, max_gap_frames=int(0.5 * rate))
    x = _progression(traj, pelvis) * scale.metres_per_unit
    good = np.flatnonzero(np.isfinite(x))
    x0 = x[good[0]]
    travelled = np.abs(x - x0)
    start = np.flatnonzero(travelled >= acceleration_zone_m)
    end = np.flatnonzero(travelled >= acceleration_zone_m + distance_m)
    if start.size and end.size:
        t = (end[0] - start[0]) / rate
        speed = distance_m / t
        method = "timed"
    else:
        g = good[int(0.2 * good.size) : max(int(0.8 * good.size), int(0.2 * good.size) + 2)]
        if g.size < 2:
            raise InputError("The walk is seen too briefly to measure its speed.")
        speed = abs(float(x[g[-1]] - x[g[0]])) / ((g[-1] - g[0]) / rate)
        method = "steady_state"
    if not np.isfinite(speed) or speed <= 0:
        raise InputError("The pelvis does not move forward, so no walking speed can be measured.")
    return WalkTestResult(
        speed_m_per_s=speed,
        time_s=distance_m / speed,
        distance_m=distance_m,
        method=method,
        scale_source=scale.source,
    )


@dataclass(frozen=True)
class SingleLegStanceTest:
    time_s: float
    capped: bool
    stance: SingleLegStance
    sway: Sway | None


def single_leg_stance_test(
    traj: Trajectories,
    *,
    max_s: float = 30.0,
    config: StanceConfig | None = None,
    metres_per_unit: float | None = None,
) -> SingleLegStanceTest:
    """Single-leg stance time (longest bout, capped at ``max_s``) and the COM sway during it."""
    sls = single_leg_stance(traj, config=config)
    if sls.longest is None:
        return SingleLegStanceTest(time_s=0.0, capped=False, stance=sls, sway=None)
    b = sls.longest
    a, e = int(b.start_s * traj.sampling_rate_hz), int(b.end_s * traj.sampling_rate_hz)
    com = centre_of_mass(traj)
    try:
        sw: Sway | None = sway(
            com[a:e], sampling_rate_hz=traj.sampling_rate_hz, traj=traj, metres_per_unit=metres_per_unit
        )
    except InputError:
        sw = None
    return SingleLegStanceTest(
        time_s=min(b.duration_s, max_s), capped=b.duration_s >= max_s, stance=sls, sway=sw
    )
