"""Centre of mass, postural sway and single-leg stance.

Segmental centre of mass: mass fractions and centre-of-mass positions from de Leva (1996),
"Adjustments to Zatsiorsky-Seluyanov's segment inertia parameters", J Biomech 29:1223-1230,
table 4 (males), applied to BlazePose landmarks as segment end points:

====================  =========================  =============  ==================
segment               end points                 mass fraction  COM from proximal
====================  =========================  =============  ==================
head                  ear midpoint               0.0694         (at the ears)
trunk                 mid-shoulder -> mid-hip    0.4346         44.86 %
upper arm             shoulder -> elbow          0.0271         57.72 %
forearm               elbow -> wrist             0.0162         45.74 %
hand                  wrist -> index/pinky mid   0.0061         79.00 %
thigh                 hip -> knee                0.1416         40.95 %
shank                 knee -> ankle              0.0433         44.59 %
foot                  heel -> toe tip            0.0137         44.15 %
====================  =========================  =============  ==================

Approximations: BlazePose has no vertex or cervicale, so the head COM is put at the ear midpoint
(Dempster's head-neck COM lies near the ear canal, Winter 2009 table 4.1) and the trunk uses the
shoulder-joint line in place of the cervicale.

Sway (Prieto et al. 1996, IEEE Trans Biomed Eng 43:956; Schubert & Kirchner 2014, Gait Posture
39:518): path length of the horizontal COM, mean velocity, and the area of the 95 % prediction
ellipse, pi * chi2(0.95, 2) * sqrt(l1 * l2) with l1, l2 the eigenvalues of the covariance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from analysis.signals.filtering import lowpass, nan_runs
from analysis.types import FloatArray, InputError, Trajectories

#: name -> (proximal point, distal point, mass fraction, COM fraction from proximal)
SEGMENTS: dict[str, tuple[str, str, float, float]] = {
    "head": ("mid_ear", "mid_ear", 0.0694, 0.0),
    "trunk": ("mid_shoulder", "pelvis", 0.4346, 0.4486),
}
for _s in ("left", "right"):
    SEGMENTS.update(
        {
            f"{_s}_upper_arm": (f"{_s}_shoulder", f"{_s}_elbow", 0.0271, 0.5772),
            f"{_s}_forearm": (f"{_s}_elbow", f"{_s}_wrist", 0.0162, 0.4574),
            f"{_s}_hand": (f"{_s}_wrist", f"{_s}_hand", 0.0061, 0.7900),
            f"{_s}_thigh": (f"{_s}_hip", f"{_s}_knee", 0.1416, 0.4095),
            f"{_s}_shank": (f"{_s}_knee", f"{_s}_ankle", 0.0433, 0.4459),
            f"{_s}_foot": (f"{_s}_heel", f"{_s}_toe", 0.0137, 0.4415),
        }
    )
#: Segments that must be seen for a COM estimate (72 % of body mass); the others are re-weighted.
REQUIRED_SEGMENTS = ("trunk", "left_thigh", "right_thigh")
CHI2_95_2DOF = 5.991464547107979


def centre_of_mass(traj: Trajectories) -> FloatArray:
    """Whole-body centre of mass ``(frames, 3)`` from the segment table; NaN where the trunk or a thigh is unseen.

    Missing small segments (head, arms, hands, shanks, feet) are left out and the remaining
    masses re-normalised, which shifts the estimate by at most a few centimetres.
    """
    n = traj.n_frames
    total = np.zeros((n, 3))
    mass = np.zeros(n)
    ok = np.ones(n, dtype=bool)
    for name, (prox, dist, m, frac) in SEGMENTS.items():
        if not traj.has(prox, dist):
            if name in REQUIRED_SEGMENTS:
                raise InputError(f"The centre of mass needs the points {prox} and {dist}.")
            continue
        c = traj.get(prox) + frac * (traj.get(dist) - traj.get(prox))
        seen = np.isfinite(c).all(axis=1)
        if name in REQUIRED_SEGMENTS:
            ok &= seen
        total[seen] += m * c[seen]
        mass[seen] += m
    with np.errstate(invalid="ignore", divide="ignore"):
        com = total / mass[:, None]
    com[~ok] = np.nan
    return com


@dataclass(frozen=True)
class Sway:
    """Sway of the COM over a recording, in ``units`` (metres when a scale was known).

    ``plane``: "horizontal" for 3D data; "image" for planar data, where the horizontal image axis
    and the vertical one are used (a side view gives antero-posterior, a front view medio-lateral
    sway; the vertical excursion in quiet standing is small).
    """

    path_length: float
    mean_velocity: float
    ellipse_area_95: float
    range_axis_1: float
    range_axis_2: float
    duration_s: float
    units: str
    plane: str


def sway(
    com: FloatArray,
    *,
    sampling_rate_hz: float,
    traj: Trajectories,
    metres_per_unit: float | None = None,
    cutoff_hz: float = 6.0,
) -> Sway:
    """Sway measures of a COM trajectory ``(frames, 3)`` (NaN frames skipped)."""
    axes = traj.axes
    if axes.planar:
        plane_axes = [0, 1]
        plane = "image"
    else:
        plane_axes = [a for a in range(3) if a != axes.vertical]
        plane = "horizontal"
    xy = lowpass(
        np.asarray(com, dtype=np.float64)[:, plane_axes],
        sampling_rate_hz=sampling_rate_hz,
        cutoff_hz=cutoff_hz,
    )
    k = metres_per_unit if metres_per_unit is not None else (axes.metres_per_unit or 1.0)
    units = "m" if (metres_per_unit is not None or axes.metres_per_unit is not None) else axes.units
    xy = xy * k
    good = np.isfinite(xy).all(axis=1)
    if good.sum() < 3:
        raise InputError("The centre of mass is seen in fewer than 3 frames, so sway cannot be measured.")
    path = 0.0
    for a, b in nan_runs(good):
        seg = xy[a:b]
        path += float(np.linalg.norm(np.diff(seg, axis=0), axis=1).sum())
    duration = good.sum() / sampling_rate_hz
    pts = xy[good]
    cov = np.cov(pts, rowvar=False)
    eig = np.clip(np.linalg.eigvalsh(cov), 0.0, None)
    area = math.pi * CHI2_95_2DOF * math.sqrt(float(eig[0] * eig[1]))
    rng = np.percentile(pts, 97.5, axis=0) - np.percentile(pts, 2.5, axis=0)
    return Sway(
        path_length=path,
        mean_velocity=path / duration,
        ellipse_area_95=area,
        range_axis_1=float(rng[0]),
        range_axis_2=float(rng[1]),
        duration_s=float(duration),
        units=units,
        plane=plane,
    )


@dataclass(frozen=True)
class StanceConfig:
    """Thresholds of :func:`single_leg_stance`, in leg lengths (pelvis height above the feet).

    A foot is lifted when its lowest point is ``lift_leg_lengths`` above the other foot's. It has
    touched down when, for ``min_touchdown_s``, it is both level with the stance foot (lowest
    points within ``touchdown_leg_lengths``) and at rest relative to it (speed of the foot centre
    relative to the stance foot's below ``max_touchdown_speed_leg_lengths_per_s``); hysteresis
    between the two heights keeps a wobble from counting. Perspective makes two grounded feet at
    different depths look a few per cent of a leg length apart in a video, hence the margins.

    Why speed as well as height: in a front or oblique view a free leg swinging past the stance leg
    is level with it at the bottom of its arc, where a pendulum moves fastest (measured on
    ``single_leg_stance.mp4``: 3.8-5.4 leg lengths/s while level), whereas a foot set down is still
    on the floor. Speeds are relative to the stance foot, so camera panning and shake cancel out.
    The 0.5 leg lengths/s bound (about 0.45 m/s) sits well above the jitter of 6 Hz filtered pose
    landmarks of a planted foot and far below a swing. A sign change of the height difference
    without such a touchdown cannot be a change of stance leg (that needs a touchdown), so it is
    read as the pose model exchanging the left and right foot, and the bout continues.
    """

    lift_leg_lengths: float = 0.08
    touchdown_leg_lengths: float = 0.04
    max_touchdown_speed_leg_lengths_per_s: float = 0.5
    min_touchdown_s: float = 0.1
    min_bout_s: float = 0.2


@dataclass(frozen=True)
class StanceBout:
    stance_side: str
    start_s: float
    end_s: float
    duration_s: float
    ended_by_touchdown: bool


@dataclass(frozen=True)
class SingleLegStance:
    """Single-leg stance bouts; ``longest`` is the one reported as the stance time."""

    bouts: list[StanceBout]
    longest: StanceBout | None
    touchdown: bool
    recording_s: float
    config: StanceConfig = field(default_factory=StanceConfig)


def _foot_low(traj: Trajectories, side: str) -> FloatArray:
    names = [n for n in (f"{side}_heel", f"{side}_toe", f"{side}_ankle") if n in traj.points]
    heights = np.stack([traj.vertical(n) for n in names])
    return np.asarray(np.nanmin(np.where(np.isfinite(heights), heights, np.inf), axis=0), dtype=np.float64)


def _foot_centre(traj: Trajectories, side: str) -> FloatArray:
    names = [n for n in (f"{side}_heel", f"{side}_toe", f"{side}_ankle") if n in traj.points]
    stack = np.stack([traj.get(n) for n in names])
    seen = np.isfinite(stack).all(axis=2)
    total = np.where(seen[..., None], stack, 0.0).sum(axis=0)
    count = seen.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre: FloatArray = total / count[:, None]
    return centre


def single_leg_stance(traj: Trajectories, *, config: StanceConfig | None = None) -> SingleLegStance:
    """Bouts of standing on one leg, each until the free foot touches down (or the recording ends).

    Needs ``pelvis`` and, per side, ``heel``/``toe``/``ankle`` points. Heights and foot centres
    are filtered at 6 Hz; see :class:`StanceConfig` for the touchdown rule.
    """
    cfg = config or StanceConfig()
    rate, n = traj.sampling_rate_hz, traj.n_frames
    lows = {
        s: lowpass(_foot_low(traj, s), sampling_rate_hz=rate, max_gap_frames=int(0.2 * rate))
        for s in ("left", "right")
    }
    lows = {s: np.where(np.isinf(v), np.nan, v) for s, v in lows.items()}
    pelvis_h = traj.vertical("pelvis")
    leg = float(np.nanmedian(pelvis_h - np.fmin(lows["left"], lows["right"])))
    if not np.isfinite(leg) or leg <= 0:
        raise InputError("The feet and pelvis are not seen well enough to measure single-leg stance.")
    diff = (lows["left"] - lows["right"]) / leg  # > 0: left foot higher, standing on the right
    axes = [0, 1] if traj.axes.planar else [0, 1, 2]
    relative = lowpass(
        (_foot_centre(traj, "left") - _foot_centre(traj, "right"))[:, axes],
        sampling_rate_hz=rate,
        max_gap_frames=int(0.2 * rate),
    )
    # Speed of one foot relative to the other, leg lengths per second; NaN where a foot is unseen.
    speed = np.linalg.norm(np.gradient(relative, axis=0), axis=1) * rate / leg if n > 1 else np.zeros(n)
    at_rest = np.nan_to_num(speed, nan=np.inf) < cfg.max_touchdown_speed_leg_lengths_per_s
    bouts: list[StanceBout] = []
    need = max(1, round(cfg.min_touchdown_s * rate))
    i = 0
    while i < n:
        if not np.isfinite(diff[i]) or abs(diff[i]) < cfg.lift_leg_lengths:
            i += 1
            continue
        sign = np.sign(diff[i])
        start = i
        low_count = 0
        end = n
        touchdown = False
        j = i
        while j < n:
            level = bool(np.isfinite(diff[j]) and abs(diff[j]) < cfg.touchdown_leg_lengths)
            low_count = low_count + 1 if level and at_rest[j] else 0
            if low_count >= need:
                end = j - need + 1
                touchdown = True
                break
            j += 1
        dur = (end - start) / rate
        if dur >= cfg.min_bout_s:
            side = "right" if sign > 0 else "left"
            bouts.append(
                StanceBout(
                    stance_side=side,
                    start_s=start / rate,
                    end_s=end / rate,
                    duration_s=dur,
                    ended_by_touchdown=touchdown,
                )
            )
        i = max(j, i + 1)
    longest = max(bouts, key=lambda b: b.duration_s) if bouts else None
    return SingleLegStance(
        bouts=bouts,
        longest=longest,
        touchdown=any(b.ended_by_touchdown for b in bouts),
        recording_s=n / rate,
        config=cfg,
    )
