"""The ``gait``, ``exercise``, ``angles`` and ``balance`` sections of a video analysis.

This is the one call a video pipeline needs (issue 4 item 11): BlazePose image landmarks
``(frames, 33, 4)`` in pixels plus ``sampling_rate_hz`` in, a typed
:class:`~analysis.results.VideoSections` out (its JSON form is defined in :mod:`analysis.results`).

Which sections apply (``activity="auto"``), with the thresholds in :class:`ReportConfig`:

* ``gait`` when walking is detected: at least ``min_steps`` steps (heel strikes of alternating
  feet inside one walking bout, see :mod:`analysis.gait`);
* ``exercise`` when not walking and one exercise kind shows at least ``min_auto_reps``
  repetitions (one movement is not a set; knee bends while walking are not squats);
* ``balance`` when not walking and a single-leg stance lasts at least ``min_stance_fraction`` of
  the recording or ``min_stance_s`` (a foot lifted briefly while moving is not a balance test);
* ``angles`` (range of motion per joint angle) always.

A named activity computes its section even if it finds nothing (e.g. zero repetitions), and the
sections of other activities are left out. Every absent section has its reason in
``analysis.absent``; the scale used for lengths is in ``analysis.scale``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.activities import ACTIVITIES, Activity
from analysis.angles import joint_angles, ranges_of_motion
from analysis.balance import centre_of_mass, single_leg_stance, sway
from analysis.exercise import KINDS, ExerciseKind, analyze_exercise, count_reps, guess_exercise
from analysis.gait import Scale, detect_gait_events, gait_parameters, scale_from_height
from analysis.results import (
    AnalysisNotes,
    BalanceSection,
    ExerciseSection,
    GaitSection,
    ScaleNote,
    VideoSections,
)
from analysis.signals import lowpass, repair_landmark_swaps
from analysis.types import InputError, Landmarks, Trajectories, validate_landmarks


@dataclass(frozen=True)
class ReportConfig:
    """When a section applies in ``auto`` mode (see the module docstring)."""

    min_steps: int = 2
    min_auto_reps: int = 2
    min_stance_fraction: float = 0.5
    min_stance_s: float = 5.0


def _scale_note(traj: Trajectories, height_m: float | None) -> tuple[Scale | None, ScaleNote]:
    if height_m is None:
        return None, ScaleNote(
            source="none",
            metres_per_pixel=None,
            detail="no body height given: lengths, speed and sway stay in pixels or are left out",
        )
    try:
        scale = scale_from_height(traj, height_m=height_m)
    except InputError as exc:
        return None, ScaleNote(source="none", metres_per_pixel=None, detail=str(exc))
    return scale, ScaleNote(source=scale.source, metres_per_pixel=scale.metres_per_unit, detail=scale.detail)


def _gait(traj: Trajectories, scale: Scale | None) -> GaitSection:
    ev = detect_gait_events(traj)
    return GaitSection(
        events=ev,
        parameters=gait_parameters(ev, traj, scale=scale),
        sampling_rate_hz=traj.sampling_rate_hz,
    )


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
) -> VideoSections:
    """The typed sections of one tracked person's landmarks (JSON: :meth:`VideoSections.to_json`).

    ``exercise`` is one of :data:`ACTIVITIES` (None = ``"auto"``). Landmarks are repaired for
    left/right swaps and, for angles, low-pass filtered (6 Hz). Lengths and sway are in metres
    only with ``height_m`` (the scale is reported under ``analysis.scale``).
    """
    cfg = config or ReportConfig()
    activity: Activity = exercise or "auto"
    if activity not in ACTIVITIES:
        raise InputError(f"Unknown activity {activity!r}; known: {', '.join(ACTIVITIES)}.")
    lm, _ = repair_landmark_swaps(validate_landmarks(landmarks))
    traj = Trajectories.from_landmarks(lm, sampling_rate_hz=sampling_rate_hz, image_size_px=image_size_px)
    scale, scale_note = _scale_note(traj, height_m)
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
            gait = _gait(traj, scale)
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
    if activity in KINDS:
        kind: ExerciseKind = activity  # type: ignore[assignment]
        exercise_section = ExerciseSection(result=analyze_exercise(traj, kind))
        detected.append(kind)
    elif activity == "auto" and walking:
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
    if activity in ("auto", "single_leg_stance") and not walking:
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
    elif walking:
        absent["balance"] = "walking detected: feet lifted in swing are not single-leg stance"
    else:
        absent["balance"] = f"not requested (activity {activity})"
    return VideoSections(
        gait=gait_section,
        exercise=exercise_section,
        angles=ranges_of_motion(joint_angles(smooth)),
        balance=balance_section,
        analysis=AnalysisNotes(
            activity=activity, detected=tuple(detected), absent=absent, scale=scale_note, config=cfg
        ),
    )
