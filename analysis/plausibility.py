"""Physiological ranges per metric, with their sources: the one place for them (issue 13 item 4).

A value outside its range is not a measurement of a person but of the tracking (a limb swapped
with another person's, a joint seen end-on), so it is withheld with the range and source in the
reason. Ranges are deliberately wide (they must hold for patients, not only for healthy adults);
a narrower *activity* range applies where the activity bounds the motion (the knee moves about
60 deg in a walking stride, not 140).

These are physiological plausibility ranges for an automatic measurement. The catalogue's
``minimum``/``maximum`` (:data:`clinic.domain.vocabulary.METRICS`) are *input bounds*: the widest
value anyone may enter or set as a target; every range here lies inside them (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

AAOS = "AAOS normal active range of motion (Greene & Heckman 1994; Norkin & White 2016)"
PERRY = "Perry & Burnfield 2010, Gait Analysis, 2nd ed., sagittal joint motion in a walking stride"


@dataclass(frozen=True)
class PlausibleRange:
    """``low``..``high`` in ``unit`` (inclusive), with where it comes from."""

    low: float
    high: float
    unit: str
    source: str

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


#: metric -> physiological range for any activity.
RANGES: dict[str, PlausibleRange] = {
    # Joint range over an activity cannot exceed the joint's whole active arc (flexion plus
    # extension or hyperextension): knee 0-135 + 10, hip 0-120 + 30, shoulder 0-180 + 60.
    "knee_flexion_rom": PlausibleRange(low=0, high=145, unit="deg", source=AAOS),
    "hip_flexion_rom": PlausibleRange(low=0, high=150, unit="deg", source=AAOS),
    # Peak flexion from the 3D skeleton: the active arc from hyperextension to full flexion
    # (knee -10 to 135 and a deep squat's 155, Hemmerich et al. 2006; hip -30 to 120 plus the
    # trunk's share when the hip is read against the trunk line in a deep squat).
    "knee_flexion_peak_3d": PlausibleRange(
        low=-10, high=160, unit="deg", source=f"{AAOS}; Hemmerich et al. 2006"
    ),
    "hip_flexion_peak_3d": PlausibleRange(low=-30, high=150, unit="deg", source=AAOS),
    "shoulder_flexion_rom": PlausibleRange(low=0, high=240, unit="deg", source=AAOS),
    # Deep squat knee flexion reaches about 155 deg (Hemmerich et al. 2006, J Orthop Res 24:770).
    "squat_depth": PlausibleRange(
        low=0,
        high=160,
        unit="deg",
        source="Hemmerich et al. 2006: deep squat knee flexion up to about 155 deg",
    ),
    # Frontal-plane projection angle: about 5-20 deg in single-leg squats and landings
    # (Willson & Davis 2008; Munro et al. 2012, J Sci Med Sport 15:11); beyond +-45 the knee is
    # flexed towards the camera and the projected angle no longer measures valgus.
    "knee_valgus_peak": PlausibleRange(
        low=-45,
        high=45,
        unit="deg",
        source="Willson & Davis 2008; Munro et al. 2012 (frontal-plane projection angle)",
    ),
    "cadence": PlausibleRange(
        low=30,
        high=200,
        unit="steps/min",
        source="Tudor-Locke et al. 2011 (adult walking 100-130 steps/min); slow pathological gait from "
        "about 40; above about 180 is running",
    ),
    "gait_speed": PlausibleRange(
        low=0.05,
        high=2.5,
        unit="m/s",
        source="Bohannon & Williams Andrews 2011 (comfortable 1.0-1.6 m/s); Bohannon 1997 (maximal up "
        "to about 2.5 m/s)",
    ),
    "step_length": PlausibleRange(
        low=0.1,
        high=1.1,
        unit="m",
        source="Hollman et al. 2011, Gait Posture 34:111 (step length about 0.6-0.75 m in adults); "
        "fast walking up to about 1 m",
    ),
    "step_time": PlausibleRange(low=0.3, high=2.0, unit="s", source="60 / cadence range (30-200 steps/min)"),
    "stride_time": PlausibleRange(low=0.6, high=4.0, unit="s", source="two step times"),
    "stance_pct": PlausibleRange(
        low=45, high=85, unit="%", source="Perry & Burnfield 2010 (about 60 % of the gait cycle)"
    ),
    "double_support_pct": PlausibleRange(
        low=5, high=60, unit="%", source="Perry & Burnfield 2010 (about 20 % at comfortable speed)"
    ),
    "step_time_symmetry": PlausibleRange(
        low=0, high=100, unit="%", source="definition (smaller/larger side)"
    ),
    "step_length_symmetry": PlausibleRange(
        low=0, high=100, unit="%", source="definition (smaller/larger side)"
    ),
    "single_leg_stance_time": PlausibleRange(
        low=0, high=600, unit="s", source="clinical tests stop at 30-45 s (Springer et al. 2007)"
    ),
    "chair_stand_count": PlausibleRange(
        low=0, high=50, unit="count", source="Jones et al. 1999 (healthy older adults about 12-20 stands)"
    ),
    "five_times_sit_to_stand": PlausibleRange(
        low=3,
        high=120,
        unit="s",
        source="Bohannon 2006 (about 6-15 s in adults); no one stands five times in 3 s",
    ),
    "timed_up_and_go": PlausibleRange(
        low=3, high=300, unit="s", source="Podsiadlo & Richardson 1991 (healthy adults under 10 s)"
    ),
    "ten_metre_walk_speed": PlausibleRange(
        low=0.05, high=2.5, unit="m/s", source="Bohannon 1997 (maximal walking up to about 2.5 m/s)"
    ),
    "jump_height": PlausibleRange(
        low=0.01,
        high=1.2,
        unit="m",
        source="elite countermovement jumps reach about 0.8 m (flight about 0.8 s)",
    ),
    "landing_knee_flexion": PlausibleRange(low=0, high=160, unit="deg", source=AAOS),
    # Joint angular velocity: the fastest knee and hip motions measured are in kicking (knee
    # extension up to about 2,000 deg/s, hip flexion about 1,000 deg/s); walking swing peaks near
    # 400 deg/s at the knee (Winter 2009). Faster is a limb swapped for a frame.
    "knee_angular_velocity": PlausibleRange(
        low=0, high=2000, unit="deg/s", source="fastest knee extension, in kicking (about 2,000 deg/s)"
    ),
    "hip_angular_velocity": PlausibleRange(
        low=0, high=1200, unit="deg/s", source="fastest hip flexion, in kicking (about 1,000 deg/s)"
    ),
    "knee_angular_velocity_symmetry": PlausibleRange(
        low=0, high=100, unit="%", source="definition (smaller/larger side)"
    ),
    "hip_angular_velocity_symmetry": PlausibleRange(
        low=0, high=100, unit="%", source="definition (smaller/larger side)"
    ),
    "landing_knee_flexion_symmetry": PlausibleRange(
        low=0, high=100, unit="%", source="definition (smaller/larger side)"
    ),
    # v = g t / 2 and h = v^2 / 2g: 1.2 m of rise (the jump_height bound) is 4.9 m/s.
    "jump_takeoff_velocity": PlausibleRange(
        low=0.05, high=4.9, unit="m/s", source="the jump_height bound of 1.2 m (v = sqrt(2 g h))"
    ),
    # Peak vertical deceleration of the body's centre in landings is a few g (drop landings from
    # 0.3-0.6 m: about 2-6 g); 15 g is beyond any landing a body absorbs.
    "landing_deceleration": PlausibleRange(
        low=0, high=150, unit="m/s2", source="landings stop the body at a few g; 15 g is not a landing"
    ),
    "reba_score": PlausibleRange(
        low=1, high=15, unit="score", source="Hignett & McAtamney 2000 (scale 1-15)"
    ),
    "complete_reps": PlausibleRange(
        low=0, high=200, unit="count", source="more than 200 repetitions in one recorded set is not a set"
    ),
    "partial_reps": PlausibleRange(
        low=0, high=200, unit="count", source="more than 200 repetitions in one recorded set is not a set"
    ),
}

#: (activity, metric) -> range while doing that activity (narrower than :data:`RANGES`).
ACTIVITY_RANGES: dict[tuple[str, str], PlausibleRange] = {
    # Walking: knee about 60 deg (0-5 at contact to 60 in swing), hip about 40 (30 flexion to 10
    # extension), arm swing at the shoulder about 30-40 deg. The bounds leave room for fast and
    # pathological gait (stiff-knee gait is below them, not above).
    ("gait", "knee_flexion_rom"): PlausibleRange(low=0, high=90, unit="deg", source=PERRY),
    ("gait", "hip_flexion_rom"): PlausibleRange(low=0, high=75, unit="deg", source=PERRY),
    ("gait", "shoulder_flexion_rom"): PlausibleRange(
        low=0, high=90, unit="deg", source="arm swing in walking about 30-40 deg (Perry & Burnfield 2010)"
    ),
}


def plausible_range(metric: str, *, activity: str | None = None) -> PlausibleRange | None:
    """The range ``metric`` must lie in while doing ``activity`` (None: no range known)."""
    if activity is not None and (activity, metric) in ACTIVITY_RANGES:
        return ACTIVITY_RANGES[(activity, metric)]
    key = metric.rsplit("_", 2)[-2] + "_" + metric.rsplit("_", 1)[-1] if metric.endswith("_reps") else metric
    return RANGES.get(key)


def implausible_reason(metric: str, value: float, *, label: str, activity: str | None = None) -> str | None:
    """None when ``value`` is plausible, else the sentence saying why it is withheld."""
    rng = plausible_range(metric, activity=activity)
    if rng is None or rng.contains(value):
        return None
    during = (
        f" during {activity.replace('_', ' ')}" if activity and (activity, metric) in ACTIVITY_RANGES else ""
    )
    return (
        f"{label} of {value:.4g} {rng.unit} is outside the plausible range from {rng.low:g} to {rng.high:g} "
        f"{rng.unit}{during} ({rng.source}): most likely a tracking or projection error"
    )
