"""The ``gait``, ``exercise``, ``angles`` and ``balance`` sections of a video analysis.

This is the one call a video pipeline needs (issue 4 item 11): BlazePose image landmarks
``(frames, 33, 4)`` in pixels plus ``sampling_rate_hz`` in, a typed
:class:`~analysis.results.VideoSections` out (its JSON form is defined in :mod:`analysis.results`).

Which sections apply (``activity="auto"``), with the thresholds in :class:`ReportConfig`:

* ``gait`` when walking is detected: at least ``min_steps`` steps (heel strikes of alternating
  feet inside one walking bout, see :mod:`analysis.gait`);
* ``exercise`` when not walking (neither steps nor a pelvis travelling across the picture,
  :mod:`analysis.travel`) and one exercise kind shows at least ``min_auto_reps``
  repetitions (one movement is not a set; knee bends while walking are not squats);
* ``balance`` when not walking and a single-leg stance lasts at least ``min_stance_fraction`` of
  the recording or ``min_stance_s`` (a foot lifted briefly while moving is not a balance test);
* ``outcome`` when a standard test is requested (:data:`analysis.activities.OUTCOME_TESTS`): its
  score (:mod:`analysis.outcome_section`); the chair-stand tests add the ``exercise`` section of
  their sit-to-stand repetitions, the single-leg stance test keeps its ``balance`` section;
* ``angles`` (range of motion per joint angle) always, over the activity's frames and, for the
  angles of one plane, only the frames where the camera sees that plane
  (:mod:`analysis.activity_frames`, :mod:`analysis.camera_view`).

Every value is then judged (:mod:`analysis.section_values`, :mod:`analysis.measurements`): its
view, quality grade and method, or the reason it is withheld; the camera view segments, the
activity's frames, the judged values and the withheld ones are in ``analysis`` too.

A named activity computes its section even if it finds nothing (e.g. zero repetitions), and the
sections of other activities are left out. Every absent section has its reason in
``analysis.absent``; the scale used for lengths is in ``analysis.scale``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from analysis.activities import ACTIVITIES, OUTCOME_TESTS, Activity
from analysis.activity_frames import ActivityFrames, activity_frames, ranges_over
from analysis.angles import FRONTAL_ANGLES, RangeOfMotion, joint_angles, reported_angles
from analysis.balance import centre_of_mass, single_leg_stance, sway
from analysis.camera_view import CameraViews, camera_views
from analysis.exercise import KINDS, ExerciseKind, analyze_exercise, count_reps, guess_exercise
from analysis.gait import GaitEvents, Scale, detect_gait_events, gait_parameters, scale_from_height
from analysis.measurements import Assessment, Assessor
from analysis.outcome_section import OutcomeSection, outcome_section
from analysis.results import (
    AnalysisNotes,
    BalanceSection,
    ExerciseSection,
    GaitSection,
    ScaleNote,
    VideoSections,
)
from analysis.section_values import angle_values, balance_values, exercise_values, gait_values, outcome_values
from analysis.signals import lowpass, repair_landmark_swaps
from analysis.travel import pelvis_travel
from analysis.types import BoolArray, FloatArray, InputError, Landmarks, Trajectories, validate_landmarks

#: The tests scored on sit-to-stand repetitions (their ``exercise`` section is sit_to_stand).
CHAIR_TESTS = ("chair_stand_30s", "five_times_sit_to_stand")


@dataclass(frozen=True)
class ReportConfig:
    """When a section applies in ``auto`` mode (see the module docstring)."""

    min_steps: int = 2
    min_auto_reps: int = 2
    min_stance_fraction: float = 0.5
    min_stance_s: float = 5.0


def _scale_note(
    traj: Trajectories, height_m: float | None, *, frames: BoolArray | None, where: str
) -> tuple[Scale | None, ScaleNote]:
    """The scale from the patient's height over ``frames`` (the walking bout when walking)."""
    if height_m is None:
        return None, ScaleNote(
            source="none",
            metres_per_pixel=None,
            detail="no body height given: lengths, speed and sway stay in pixels or are left out",
        )
    try:
        scale = scale_from_height(traj, height_m=height_m, frames=frames, where=where)
    except InputError as exc:
        return None, ScaleNote(source="none", metres_per_pixel=None, detail=str(exc))
    return scale, ScaleNote(source=scale.source, metres_per_pixel=scale.metres_per_unit, detail=scale.detail)


def _event_span(events: GaitEvents) -> tuple[int, int] | None:
    frames = [e.frame for e in events.events]
    return (min(frames), max(frames)) if frames else None


def _gait(traj: Trajectories, events: GaitEvents, scale: Scale | None) -> GaitSection:
    return GaitSection(
        events=events,
        parameters=gait_parameters(events, traj, scale=scale),
        sampling_rate_hz=traj.sampling_rate_hz,
    )


def _angles(smooth: Trajectories) -> dict[str, FloatArray]:
    """Every angle series, sagittal ones as if seen from the side and frontal ones as if from
    the front: which frames count is decided per view segment (:func:`ranges_over`)."""
    # The reported set (analysis.angles.reported_angles): no interior knee angle, and the bend in
    # the image plane (any view) that the live page and playback show.
    side = reported_angles(smooth, view="sagittal")
    front = joint_angles(smooth, view="frontal")
    return {k: front[k] if k.endswith(FRONTAL_ANGLES) else side[k] for k in side}


#: Seconds added before and after each repetition's frames for its range of motion.
REP_MARGIN_S = 0.5


def _cycles(gait: GaitSection | None) -> dict[str, list[tuple[int, int]]]:
    """Gait cycles per foot: consecutive initial contacts of that foot no more than twice the
    median cycle apart (a longer gap is a stop or a lost stride, not one cycle)."""
    if gait is None:
        return {}
    out: dict[str, list[tuple[int, int]]] = {}
    for foot in ("left", "right"):
        strikes = [e.frame for e in gait.events.of(foot, "initial_contact")]
        pairs = list(itertools.pairwise(strikes))
        if not pairs:
            continue
        typical = float(np.median([b - a for a, b in pairs]))
        out[foot] = [(a, b) for a, b in pairs if b - a <= 2 * typical]
    return out


def _activity(
    traj: Trajectories,
    gait: GaitSection | None,
    exercise: ExerciseSection | None,
    balance: BalanceSection | None,
) -> tuple[ActivityFrames, str | None]:
    """The activity's frames and its name for plausibility ranges."""
    n, rate = traj.n_frames, traj.sampling_rate_hz
    if gait is not None and (span := _event_span(gait.events)) is not None:
        return activity_frames(activity="gait", spans=[span], n_frames=n, sampling_rate_hz=rate), "gait"
    if exercise is not None and exercise.result.reps:
        # A repetition is detected once the movement has left the rest position (a threshold
        # above rest), so its frames are widened by REP_MARGIN_S to include the rest it starts
        # from and returns to.
        pad = round(REP_MARGIN_S * rate)
        spans = [(r.start_frame - pad, r.end_frame + pad) for r in exercise.result.reps]
        kind = exercise.result.kind
        return activity_frames(activity=kind, spans=spans, n_frames=n, sampling_rate_hz=rate), kind
    if balance is not None and balance.stance.longest is not None:
        b = balance.stance.longest
        span = (round(b.start_s * rate), round(b.end_s * rate) - 1)
        return (
            activity_frames(activity="single_leg_stance", spans=[span], n_frames=n, sampling_rate_hz=rate),
            "single_leg_stance",
        )
    return activity_frames(activity=None, spans=[], n_frames=n, sampling_rate_hz=rate), None


def _best_exercise(traj: Trajectories, min_reps: int) -> tuple[ExerciseKind | None, int]:
    """The kind with the most repetitions (ties: the deeper relative to its threshold)."""
    best: tuple[int, float, ExerciseKind] | None = None
    for kind in KINDS:
        try:
            seg = count_reps(traj, kind)
        except (InputError, KeyError, ValueError):
            continue  # a kind whose points are missing does not compete
        if not seg.reps:
            continue
        key = (len(seg.reps), float(np.nanmean([r.depth for r in seg.reps])), kind)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None or best[0] < min_reps:
        return None, 0 if best is None else best[0]
    if best[2] in ("squat", "sit_to_stand"):
        guessed = guess_exercise(traj)  # tells the two apart by the rest level
        if guessed in ("squat", "sit_to_stand"):
            return guessed, best[0]
    return best[2], best[0]


def _balance(traj: Trajectories, scale: Scale | None) -> BalanceSection:
    sls = single_leg_stance(traj)
    if sls.longest is None:
        return BalanceSection(stance=sls, sway=None)
    b = sls.longest
    a, e = round(b.start_s * traj.sampling_rate_hz), round(b.end_s * traj.sampling_rate_hz)
    try:
        com_sway = sway(
            centre_of_mass(traj)[a:e],
            sampling_rate_hz=traj.sampling_rate_hz,
            traj=traj,
            metres_per_unit=scale.metres_per_unit if scale else None,
        )
    except InputError:  # too few frames with a COM: no sway
        return BalanceSection(stance=sls, sway=None)
    return BalanceSection(stance=sls, sway=com_sway)


def video_sections(
    landmarks: Landmarks,
    *,
    sampling_rate_hz: float,
    height_m: float | None = None,
    exercise: Activity | None = None,
    image_size_px: tuple[int, int] | None = None,
    config: ReportConfig | None = None,
    test_start_s: float | None = None,
) -> VideoSections:
    """The typed sections of one tracked person's landmarks (JSON: :meth:`VideoSections.to_json`).

    ``exercise`` is one of :data:`ACTIVITIES` (None = ``"auto"``). Landmarks are repaired for
    left/right swaps and, for angles, low-pass filtered (6 Hz). Lengths and sway are in metres
    only with ``height_m`` (the scale is reported under ``analysis.scale``). ``test_start_s``:
    when a standard test started in the recording (its "go", see :func:`outcome_section`).
    """
    cfg = config or ReportConfig()
    activity: Activity = exercise or "auto"
    if activity not in ACTIVITIES:
        raise InputError(f"Unknown activity {activity!r}; known: {', '.join(ACTIVITIES)}.")
    lm, _ = repair_landmark_swaps(validate_landmarks(landmarks))
    traj = Trajectories.from_landmarks(lm, sampling_rate_hz=sampling_rate_hz, image_size_px=image_size_px)
    # Gait events take the feet with single-frame swaps repaired only: the run repair's
    # prediction cannot tell the feet apart where they cross in a side view and exchanged whole
    # stances (analysis.signals.swaps.repair_landmark_swaps, ``runs``); the event detector's
    # outlier filter and the step plausibility rules handle short swaps.
    gait_lm, _ = repair_landmark_swaps(validate_landmarks(landmarks), runs=False)
    gait_traj = Trajectories.from_landmarks(
        gait_lm, sampling_rate_hz=sampling_rate_hz, image_size_px=image_size_px
    )
    views = camera_views(traj)
    events: GaitEvents | None = None
    events_error: InputError | None = None
    if activity in ("auto", "gait"):
        try:
            events = detect_gait_events(gait_traj)
        except InputError as exc:
            events_error = exc
    # The scale is taken over the walking bout when there is one (lengths are measured there);
    # whether it is walking does not depend on the scale (steps are counted from events).
    walking_span = (
        _event_span(events)
        if events is not None and gait_parameters(events, gait_traj, scale=None).n_steps >= cfg.min_steps
        else None
    )
    scale, scale_note = _scale_note(
        traj,
        height_m,
        # Lengths are measured over the walking bout, so the scale is taken from its frames.
        frames=None
        if walking_span is None
        else (np.arange(traj.n_frames) >= walking_span[0]) & (np.arange(traj.n_frames) <= walking_span[1]),
        where=" over the walking bout" if walking_span is not None else "",
    )
    names = list(traj.points)
    stacked = np.stack([traj.points[k] for k in names], axis=1)
    filtered = lowpass(
        stacked, sampling_rate_hz=sampling_rate_hz, max_gap_frames=int(0.25 * sampling_rate_hz)
    )
    smooth = traj.with_points({k: filtered[:, i] for i, k in enumerate(names)})
    gait_section: GaitSection | None = None
    exercise_section: ExerciseSection | None = None
    balance_section: BalanceSection | None = None
    absent: dict[str, str] = {}
    detected: list[str] = []
    walking = False
    if activity in ("auto", "gait"):
        try:
            if events is None:
                raise events_error or InputError("no gait events")
            gait = _gait(gait_traj, events, scale)
        except InputError as exc:
            absent["gait"] = f"no walking analysed: {exc}"
        else:
            n_steps = gait.parameters.n_steps
            walking = n_steps >= cfg.min_steps
            if walking or activity == "gait":
                gait_section = gait
                detected.append("gait")
            else:
                absent["gait"] = (
                    f"no walking detected: {n_steps} step(s) found, at least {cfg.min_steps} needed"
                )
    else:
        absent["gait"] = f"not requested (activity {activity})"
    # Walking whose steps could not be timed is still walking (analysis.travel): its knee bends
    # and swinging feet are not exercise repetitions or a single-leg stance.
    travel = pelvis_travel(traj) if activity == "auto" and not walking else None
    across = travel is not None and travel.walking
    if across and travel is not None and "gait" in absent:
        absent["gait"] += f" (walking seen all the same: {travel.sentence()})"
    if activity in KINDS or activity in CHAIR_TESTS:
        kind: ExerciseKind = "sit_to_stand" if activity in CHAIR_TESTS else activity  # type: ignore[assignment]
        exercise_section = ExerciseSection(result=analyze_exercise(traj, kind))
        detected.append(kind)
    elif activity == "auto" and (walking or across):
        absent["exercise"] = "walking detected: knee and arm movements of steps are not exercise repetitions"
    elif activity == "auto":
        found, reps = _best_exercise(traj, cfg.min_auto_reps)
        if found is None:
            absent["exercise"] = (
                f"no exercise detected: at most {reps} repetition(s) of any kind, "
                f"at least {cfg.min_auto_reps} needed"
            )
        else:
            exercise_section = ExerciseSection(result=analyze_exercise(traj, found))
            detected.append(found)
    else:
        absent["exercise"] = f"not requested (activity {activity})"
    if activity in ("auto", "single_leg_stance") and not walking and not across:
        try:
            balance = _balance(traj, scale)
        except InputError as exc:
            absent["balance"] = f"single-leg stance not measurable: {exc}"
        else:
            longest = balance.stance.longest
            # Rounded as stored (4 decimals), so the decision agrees with the duration shown.
            duration = round(longest.duration_s, 4) if longest else 0.0
            needed = min(cfg.min_stance_s, cfg.min_stance_fraction * traj.n_frames / sampling_rate_hz)
            if activity == "single_leg_stance" or duration >= needed:
                balance_section = balance
                detected.append("single_leg_stance")
            else:
                absent["balance"] = (
                    f"no single-leg stance detected: longest {duration:.2f} s, at least {needed:.2f} s needed"
                )
    elif walking or across:
        absent["balance"] = "walking detected: feet lifted in swing are not single-leg stance"
    else:
        absent["balance"] = f"not requested (activity {activity})"
    series = _angles(smooth)
    outcome: OutcomeSection | None = None
    if activity in OUTCOME_TESTS:
        try:
            outcome = outcome_section(
                activity,
                traj,
                series=series,
                scale=scale,
                stance=balance_section.stance if balance_section else None,
                start_s=test_start_s,
            )
        except InputError as exc:
            absent["outcome"] = f"{activity.replace('_', ' ')} not scored: {exc}"
        else:
            if activity not in detected:  # the single-leg stance test is its balance section too
                detected.append(activity)
    else:
        absent["outcome"] = f"not requested (activity {activity})"
    if outcome is not None and outcome.span_frames is not None and outcome.test != "single_leg_stance":
        n = traj.n_frames
        frames = activity_frames(
            activity=outcome.test, spans=[outcome.span_frames], n_frames=n, sampling_rate_hz=sampling_rate_hz
        )
        activity_name: str | None = outcome.test
    else:
        frames, activity_name = _activity(traj, gait_section, exercise_section, balance_section)
    ranges = ranges_over(series, activity=frames, views=views, cycles=_cycles(gait_section))
    assessment = _assess(
        lm,
        views=views,
        frames=frames,
        activity_name=activity_name,
        sampling_rate_hz=sampling_rate_hz,
        scale=scale,
        scale_note=scale_note,
        sections=(gait_section, exercise_section, balance_section),
        outcome=outcome,
        ranges=ranges,
        series=series,
    )
    return VideoSections(
        gait=gait_section,
        exercise=exercise_section,
        angles=ranges,
        balance=balance_section,
        analysis=AnalysisNotes(
            activity=activity, detected=tuple(detected), absent=absent, scale=scale_note, config=cfg
        ),
        assessment=assessment,
        outcome=outcome,
    )


def _assess(
    lm: Landmarks,
    *,
    views: CameraViews,
    frames: ActivityFrames,
    activity_name: str | None,
    sampling_rate_hz: float,
    scale: Scale | None,
    scale_note: ScaleNote,
    sections: tuple[GaitSection | None, ExerciseSection | None, BalanceSection | None],
    outcome: OutcomeSection | None,
    ranges: dict[str, RangeOfMotion],
    series: dict[str, FloatArray],
) -> Assessment:
    """Every value of the sections judged (view, quality, plausibility, scale)."""
    assessor = Assessor(
        views=views,
        activity=frames,
        landmarks=lm,
        sampling_rate_hz=sampling_rate_hz,
        activity_name=activity_name,
        scale_reason=None if scale is not None else scale_note.detail,
    )
    gait, exercise, balance = sections
    # The single-leg stance test reports the stance time per side in place of the longest bout.
    stance_test = outcome is not None and outcome.test == "single_leg_stance"
    return Assessment.of(
        assessor,
        gait_values(gait, assessor, series=series)
        + exercise_values(exercise, assessor, series=series)
        + ([] if stance_test else balance_values(balance, assessor))
        + outcome_values(outcome, assessor)
        + angle_values(ranges, series, assessor),
    )
