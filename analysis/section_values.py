"""The values of a video analysis's sections, judged (:mod:`analysis.measurements`).

Definitions (numbers as the sections hold them):

* gait: cadence, gait speed, step length (both feet and per foot), step and stride time,
  stance and double-support share, step-time and step-length symmetry in percent
  (100 x smaller side / larger side, from the left/right means), over the walking bout;
* range of motion (knee, hip, shoulder flexion) per side: max - min of the angle over the
  activity's frames seen in a side view (:mod:`analysis.activity_frames`; a typical stride when
  walking). A range is measured only in activities that move the joint through it
  (:data:`ROM_ACTIVITIES`): the arm swing of walking is not the shoulder's range of motion, and
  a goal on it would read every walker as stiff;
* peak knee valgus per side: the largest frontal-plane projection angle (Willson & Davis 2008)
  over the activity's frames seen from the front while the knee bends less than 60 deg in the
  image (deeper, the projected angle stops measuring valgus: :mod:`analysis.angles`). With the
  body turned more than ``VALGUS_GOOD_MAX_YAW_DEG`` from the camera, knee flexion leaks into
  the projected angle (a 60 deg bend at 20 deg of yaw moves the knee sideways by about a third
  of the thigh length), so the grade is at most fair;
* squat depth: the deepest knee bend of the complete repetitions (180 - the image's
  hip-knee-ankle angle);
* repetition counts (complete, partial) of the exercise found;
* single-leg stance time: the longest bout (the single-leg stance test: the longest per side);
* outcome test scores (:mod:`analysis.outcome_section`): ``chair_stand_count``,
  ``five_times_sit_to_stand`` (s), ``timed_up_and_go`` (s), ``ten_metre_walk_speed`` (m/s),
  ``jump_height`` (m, from the flight time), ``landing_knee_flexion`` per side (deg) and its
  left/right symmetry (%); their norms are in :mod:`analysis.norms`; the jump's take-off
  velocity (m/s, ``g t / 2`` from the flight time) and landing deceleration (m/s2, scaled by the
  flight's free-fall parabola; :mod:`analysis.jump_test`);
* angular velocity per side and its left/right symmetry, for the knee and hip during an
  exercise's repetitions and during walking: the 95th percentile of the angle's rate of change
  (deg/s) on each side (:func:`analysis.velocities.angular_velocity_asymmetry`), symmetry
  100 x slower / faster side. Read from sagittal angles: graded fair at best from another view.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from analysis.angles import RangeOfMotion
from analysis.gait.symmetry import Symmetry
from analysis.jump_test import JumpTest
from analysis.measurements import Assessor, Judged, Withheld, both, label, points, sided
from analysis.outcome_section import OutcomeSection, StanceSides
from analysis.outcomes import ChairStandResult, FiveTimesResult, TugResult, WalkTestResult
from analysis.results import BalanceSection, ExerciseSection, GaitSection
from analysis.types import BoolArray, FloatArray
from analysis.velocities import angular_velocity_asymmetry

SIDES = ("left", "right")
GAIT_POINTS = both("hip", "ankle", "heel", "foot_index")
REP_POINTS = {
    "squat": both("hip", "knee", "ankle"),
    "sit_to_stand": both("hip", "knee", "ankle"),
    "deadlift": both("hip", "knee", "wrist"),
    "overhead_press": both("shoulder", "elbow", "wrist"),
    "curl": both("shoulder", "elbow", "wrist"),
}
ROM_POINTS = {
    "knee_flexion": ("hip", "knee", "ankle"),
    "hip_flexion": ("hip", "knee"),
    "shoulder_flexion": ("shoulder", "elbow"),
}
#: Image knee bend (deg) above which the frontal projection angle no longer measures valgus.
VALGUS_MAX_KNEE_BEND_DEG = 60.0
#: Body yaw (deg) above which a valgus angle is graded fair at best (see the module docstring):
#: at 10 deg a 60 deg bend moves the knee sideways by 0.15 thigh lengths (sin 60 x sin 10), a
#: few degrees of projected angle.
VALGUS_GOOD_MAX_YAW_DEG = 10.0
#: Activities whose movement takes each joint through its range (None = no activity detected:
#: the whole recording, e.g. a range-of-motion demonstration).
ROM_ACTIVITIES: dict[str, frozenset[str | None]] = {
    "knee_flexion_rom": frozenset({None, "gait", "squat", "sit_to_stand", "deadlift", "single_leg_stance"}),
    "hip_flexion_rom": frozenset({None, "gait", "squat", "sit_to_stand", "deadlift", "single_leg_stance"}),
    "shoulder_flexion_rom": frozenset({None, "overhead_press"}),
}
GAIT_METHOD = "2D video pose (MediaPipe BlazePose), gait events from heel/toe extremes (Zeni et al. 2008)"
ANGLE_METHOD = (
    "2D video pose (MediaPipe BlazePose), joint angle in the image plane (Norkin & White convention)"
)


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _symmetry_pct(entry: Symmetry | None) -> float | None:
    if entry is None:
        return None
    left, right = _finite(entry.left), _finite(entry.right)
    if left is None or right is None or max(left, right) <= 0 or min(left, right) < 0:
        return None
    return 100.0 * min(left, right) / max(left, right)


#: Joints whose left/right angular velocity is compared during repetitions and walking.
VELOCITY_JOINTS = ("knee", "hip")


def angular_velocity_values(
    series: Mapping[str, FloatArray], a: Assessor, *, frames: BoolArray, during: str
) -> list[Judged | None]:
    """Each joint's angular velocity per side over ``frames`` and its left/right symmetry."""
    out: list[Judged | None] = []
    for joint in VELOCITY_JOINTS:
        left, right = series.get(f"left_{joint}_flexion"), series.get(f"right_{joint}_flexion")
        if left is None or right is None or not frames.any():
            continue
        used = a.frames_for(f"{joint}_angular_velocity", frames)
        sym = angular_velocity_asymmetry(left, right, sampling_rate_hz=a.sampling_rate_hz, frames=used)
        method = (
            f"95th percentile of the rate of change of {joint} flexion during {during} (deg/s, central "
            f"differences of the 6 Hz low-passed sagittal angle; {POSE})"
        )
        for side, value in (("left", sym.left), ("right", sym.right)):
            out.append(
                a.judge(
                    f"{joint}_angular_velocity",
                    _finite(value),
                    unit="deg/s",
                    side=side,
                    method=method,
                    uses=sided(side, *ROM_POINTS[f"{joint}_flexion"]),
                    frames=frames,
                    fair_at_best_unless="sagittal",
                )
            )
        out.append(
            a.judge(
                f"{joint}_angular_velocity_symmetry",
                _symmetry_pct(sym),
                unit="%",
                method=method + "; 100 x slower / faster side",
                uses=both(*ROM_POINTS[f"{joint}_flexion"]),
                frames=frames,
                fair_at_best_unless="sagittal",
            )
        )
    return out


def gait_values(
    gait: GaitSection | None, a: Assessor, *, series: Mapping[str, FloatArray] | None = None
) -> list[Judged | None]:
    if gait is None:
        return []
    p = gait.parameters
    out: list[Judged | None] = []

    def add(metric: str, value: float | None, unit: str, side: str = "", *, length: bool = False) -> None:
        if length and p.step_length_m is None:
            # Without a scale no length was computed. A length the view cannot show is withheld
            # for the view first (a scale would not make it measurable), else for the scale.
            view = a.judge(metric, None, unit=unit, uses=GAIT_POINTS, method=GAIT_METHOD, side=side)
            out.append(view if isinstance(view, Withheld) else a.no_scale(metric, side))
            return
        out.append(
            a.judge(metric, _finite(value), unit=unit, uses=GAIT_POINTS, method=GAIT_METHOD, side=side)
        )

    add("cadence", p.cadence_steps_per_min, "steps/min")
    add("gait_speed", p.gait_speed_m_per_s, "m/s", length=True)
    sl = p.step_length_m
    add("step_length", sl.both.mean if sl else None, "m", length=True)
    add("step_length", sl.left.mean if sl else None, "m", "left", length=True)
    add("step_length", sl.right.mean if sl else None, "m", "right", length=True)
    add("step_time", p.step_time_s.both.mean, "s")
    add("stride_time", p.stride_time_s.both.mean, "s")
    add("stance_pct", p.stance_pct, "%")
    add("double_support_pct", p.double_support_pct, "%")
    add("step_time_symmetry", _symmetry_pct(p.symmetry.get("step_time_s")), "%")
    add("step_length_symmetry", _symmetry_pct(p.symmetry.get("step_length_m")), "%", length=True)
    if series is not None:
        out += angular_velocity_values(series, a, frames=a.activity.mask, during="walking")
    return out


def exercise_values(
    exercise: ExerciseSection | None, a: Assessor, *, series: Mapping[str, FloatArray] | None = None
) -> list[Judged | None]:
    if exercise is None:
        return []
    res = exercise.result
    uses = REP_POINTS.get(res.kind, both("hip", "knee", "ankle"))
    method = f"repetitions counted on the {res.kind.replace('_', ' ')} movement signal (2D video pose)"
    out: list[Judged | None] = [
        a.judge(
            f"{res.kind}_complete_reps", float(res.complete_reps), unit="count", uses=uses, method=method
        ),
        a.judge(f"{res.kind}_partial_reps", float(res.partial_reps), unit="count", uses=uses, method=method),
    ]
    if res.kind == "squat":
        depths = [rep.depth for rep in res.reps if rep.complete and math.isfinite(rep.depth)]
        if depths:
            out.append(
                a.judge(
                    "squat_depth",
                    max(depths),
                    unit="deg",
                    uses=both("hip", "knee", "ankle"),
                    method="peak knee flexion of the complete repetitions: 180 - hip-knee-ankle angle in "
                    "the image plane (from the front it is the projected bend, lower than a goniometer's)",
                    fair_at_best_unless="sagittal",
                )
            )
    if series is not None and res.reps:
        reps = np.zeros_like(a.activity.mask)
        for rep in res.reps:
            reps[rep.start_frame : rep.end_frame + 1] = True
        out += angular_velocity_values(series, a, frames=reps, during="the repetitions")
    return out


def balance_values(balance: BalanceSection | None, a: Assessor) -> list[Judged | None]:
    longest = balance.stance.longest if balance is not None else None
    if longest is None:
        return []
    return [
        a.judge(
            "single_leg_stance_time",
            _finite(longest.duration_s),
            unit="s",
            uses=both("ankle", "heel", "foot_index"),
            method="longest time on one foot, the other foot off the floor (2D video pose)",
            side=longest.stance_side or "",
        )
    ]


POSE = "2D video pose (MediaPipe BlazePose)"
CHAIR_POINTS = both("hip", "knee", "ankle")
FOOT_POINTS = both("ankle", "heel", "foot_index")


def outcome_values(outcome: OutcomeSection | None, a: Assessor) -> list[Judged | None]:
    """The test's score (and the jump's landing values), judged like any other value."""
    if outcome is None:
        return []
    r = outcome.result
    if isinstance(r, ChairStandResult):
        clock = 'the "go" of the test run live' if r.started_given else "the first rise"
        return [
            a.judge(
                "chair_stand_count",
                float(r.count),
                unit="count",
                uses=CHAIR_POINTS,
                method=f"30-second chair stand (CDC STEADI): full stands in 30 s from {clock}, "
                f"pelvis height from {POSE}",
            )
        ]
    if isinstance(r, FiveTimesResult):
        return [
            a.judge(
                "five_times_sit_to_stand",
                r.time_s,
                unit="s",
                uses=CHAIR_POINTS,
                method=f"five-times sit-to-stand (Bohannon 2006): first rise to seated after the fifth "
                f"full stand, pelvis height from {POSE}",
            )
        ]
    if isinstance(r, TugResult):
        phases = ", ".join(f"{k.replace('_', ' ')} {v:.1f} s" for k, v in r.phases_s.items())
        return [
            a.judge(
                "timed_up_and_go",
                r.total_s,
                unit="s",
                uses=CHAIR_POINTS,
                method=f"Timed Up and Go (Podsiadlo & Richardson 1991): start of rising to seated, pelvis "
                f"from {POSE}; phases: {phases}",
            )
        ]
    if isinstance(r, WalkTestResult):
        return [
            a.judge(
                "ten_metre_walk_speed",
                r.speed_m_per_s,
                unit="m/s",
                uses=both("hip", "ankle"),
                method="10-metre walk (Bohannon 1997): pelvis speed over "
                + (
                    "the timed 10 m after 2 m of acceleration"
                    if r.method == "timed"
                    else "the steady middle of the visible walk"
                )
                + f", scale from {r.scale_source}; {POSE}",
            )
        ]
    if isinstance(r, StanceSides):
        return [
            a.judge(
                "single_leg_stance_time",
                _finite(bout.duration_s),
                unit="s",
                uses=FOOT_POINTS,
                method="single-leg stance test (Springer et al. 2007): longest time standing on this foot, "
                f"the other off the floor ({'ended by touchdown' if bout.ended_by_touchdown else 'no touchdown'}; {POSE})",
                side=side,
            )
            for side, bout in (("left", r.left), ("right", r.right))
            if bout is not None
        ]
    if isinstance(r, JumpTest):
        return _jump_values(r, a)
    return []


def _jump_values(r: JumpTest, a: Assessor) -> list[Judged | None]:
    out: list[Judged | None] = []
    if r.jump_height_m is not None and r.flight_time_s is not None:
        out.append(
            a.judge(
                "jump_height",
                r.jump_height_m,
                unit="m",
                uses=FOOT_POINTS,
                method=f"jump height from the flight time {r.flight_time_s:.3f} s (g t^2 / 8, Bosco et al. "
                f"1983), both feet off the floor in {POSE}",
                frames=np.ones_like(a.activity.mask),  # the flight precedes the landing frames
            )
        )
    if r.takeoff_velocity_m_per_s is not None and r.flight_time_s is not None:
        out.append(
            a.judge(
                "jump_takeoff_velocity",
                r.takeoff_velocity_m_per_s,
                unit="m/s",
                uses=FOOT_POINTS,
                method=f"vertical take-off velocity from the flight time {r.flight_time_s:.3f} s "
                f"(g t / 2: the flight is a free fall; no length scale needed), {POSE}",
                frames=np.ones_like(a.activity.mask),
            )
        )
    if r.landing_deceleration_m_per_s2 is not None:
        out.append(
            a.judge(
                "landing_deceleration",
                r.landing_deceleration_m_per_s2,
                unit="m/s2",
                uses=both("hip", "ankle", "heel", "foot_index"),
                method=f"largest upward acceleration of the hip centre in the {r.landing_window_s:.1f} s "
                "after the jump's touchdown, in metres from the flight's free-fall parabola; a lower "
                f"bound (6 Hz filtered video smooths the impact), {POSE}",
                frames=np.ones_like(a.activity.mask),
                fair_at_best_because="read from 6 Hz filtered video: the impact peak is smoothed",
            )
        )
    for side in SIDES:
        out.append(
            a.judge(
                "landing_knee_flexion",
                r.landing_knee_flexion_deg.get(side),
                unit="deg",
                uses=sided(side, "hip", "knee", "ankle"),
                method=f"peak knee bend (180 - hip-knee-ankle angle in the image) in the "
                f"{r.landing_window_s:.1f} s after landing; {POSE}",
                side=side,
            )
        )
    out.append(
        a.judge(
            "landing_knee_flexion_symmetry",
            r.landing_knee_flexion_symmetry_pct,
            unit="%",
            uses=both("hip", "knee", "ankle"),
            method="100 x smaller / larger landing knee flexion of the two sides",
        )
    )
    return out


def angle_values(
    ranges: Mapping[str, RangeOfMotion], series: Mapping[str, FloatArray], a: Assessor
) -> list[Judged | None]:
    """Range of motion per side (from ``ranges``, over the activity's side-view frames) and
    peak knee valgus per side (from the ``series``)."""
    out: list[Judged | None] = []
    for metric, joint in (
        ("knee_flexion_rom", "knee_flexion"),
        ("hip_flexion_rom", "hip_flexion"),
        ("shoulder_flexion_rom", "shoulder_flexion"),
    ):
        if a.activity_name not in ROM_ACTIVITIES[metric]:
            continue
        for side in SIDES:
            rom = ranges.get(f"{side}_{joint}")
            value = rom.range_deg if rom is not None else None
            out.append(
                a.judge(
                    metric,
                    _finite(value),
                    unit="deg",
                    uses=sided(side, *ROM_POINTS[joint])
                    + (points("left_hip", "right_hip") if joint != "knee_flexion" else ()),
                    method=f"max - min over {a.activity.describe()}; {ANGLE_METHOD}",
                    side=side,
                )
            )
    for side in SIDES:
        valgus = series.get(f"{side}_knee_valgus")
        bend = series.get(f"{side}_knee_flexion_image_plane")
        if valgus is None or bend is None:
            continue
        with np.errstate(invalid="ignore"):
            shallow = bend <= VALGUS_MAX_KNEE_BEND_DEG
        frames = a.activity.mask & shallow
        used = a.frames_for("knee_valgus_peak", frames) & np.isfinite(valgus)
        peak = float(np.max(valgus[used])) if used.any() else None
        out.append(
            a.judge(
                "knee_valgus_peak",
                peak,
                unit="deg",
                uses=both("hip") + sided(side, "knee", "ankle"),
                method=(
                    "largest frontal-plane projection angle (Willson & Davis 2008) while the knee bends "
                    f"less than {VALGUS_MAX_KNEE_BEND_DEG:.0f} deg, over {a.activity.describe()}; positive = valgus"
                ),
                side=side,
                frames=frames,
                fair_at_best_because=None
                if (yaw := _yaw(a, frames)) <= VALGUS_GOOD_MAX_YAW_DEG
                else f"body turned {yaw:.0f} deg from the camera: knee flexion adds to the projected angle",
            )
        )
    return out


def _yaw(a: Assessor, frames: BoolArray) -> float:
    """Median yaw of the frontal segments holding ``frames`` (0 when none)."""
    yaws = [
        s.yaw_deg
        for s in a.views.segments
        if s.view == "frontal" and frames[s.start_frame : s.end_frame + 1].any()
    ]
    return float(np.median(yaws)) if yaws else 0.0


__all__ = ["angle_values", "balance_values", "exercise_values", "gait_values", "label", "outcome_values"]
