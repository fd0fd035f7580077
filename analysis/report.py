"""The ``gait``, ``exercise``, ``angles`` and ``balance`` sections of a video analysis, as JSON-ready dicts.

This is the one call a video pipeline needs (issue 4 item 11): BlazePose image landmarks
``(frames, 33, 4)`` in pixels plus ``fps`` in, plain dicts out. A section whose activity is not in
the recording (no steps, no repetitions, no single-leg stance) is None.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from analysis.angles import joint_angles, ranges_of_motion
from analysis.balance import centre_of_mass, single_leg_stance, sway
from analysis.exercise import ExerciseKind, analyze_exercise, guess_exercise
from analysis.gait import detect_gait_events, gait_parameters, scale_from_height
from analysis.serialize import to_jsonable
from analysis.signals import lowpass, repair_landmark_swaps
from analysis.types import InputError, Landmarks, Trajectories, validate_landmarks


def _gait(traj: Trajectories, height_m: float | None) -> dict[str, Any] | None:
    ev = detect_gait_events(traj)
    if sum(e.event == "initial_contact" for e in ev.events) < 2:
        return None
    scale = scale_from_height(traj, height_m=height_m) if height_m else None
    p = gait_parameters(ev, traj, scale=scale)
    rate = traj.rate_hz

    def events(kind: str) -> list[dict[str, Any]]:
        return [
            {"frame": e.frame, "time_s": round(e.time_s, 4), "side": e.foot}
            for e in ev.events
            if e.event == kind
        ]

    params = to_jsonable(p)
    params.pop("step_lengths_units", None)
    return {
        "heel_strikes": events("initial_contact"),
        "toe_offs": events("toe_off"),
        "cadence_steps_per_min": to_jsonable(p.cadence_steps_per_min),
        "step_time_s": params["step_time_s"],
        "stride_time_s": params["stride_time_s"],
        "step_length_m": params["step_length_m"],
        "stride_length_m": params["stride_length_m"],
        "gait_speed_m_per_s": params["gait_speed_m_per_s"],
        "symmetry": params["symmetry"],
        "parameters": params,
        "rate_hz": rate,
    }


def _exercise(traj: Trajectories, kind: ExerciseKind | None) -> dict[str, Any] | None:
    kind = kind or guess_exercise(traj)
    if kind is None:
        return None
    res = analyze_exercise(traj, kind)
    if not res.reps:
        return None
    reps = []
    for r in res.reps:
        reps.append(
            {
                "start_frame": r.start_frame,
                "bottom_frame": r.bottom_frame,
                "end_frame": r.end_frame,
                "complete": r.complete,
                "reason": r.reason,
                "depth": to_jsonable(r.depth),
                "depth_unit": res.unit,
                "phases": to_jsonable(r.phases),
                "angles": to_jsonable(r.angles_at_bottom),
                "cues": [{"text": c.text, "phase": c.phase, "frame": c.frame} for c in res.cues[r.index]],
            }
        )
    return {"kind": kind, "reps": reps, "complete_reps": res.complete_reps, "partial_reps": res.partial_reps}


def _balance(traj: Trajectories) -> dict[str, Any] | None:
    sls = single_leg_stance(traj)
    if sls.longest is None:
        return None
    b = sls.longest
    a, e = int(b.start_s * traj.rate_hz), int(b.end_s * traj.rate_hz)
    out: dict[str, Any] = {"single_leg_stance": to_jsonable(sls), "sway": None}
    with contextlib.suppress(InputError):  # too few frames with a COM: sway stays None
        out["sway"] = to_jsonable(sway(centre_of_mass(traj)[a:e], sampling_rate_hz=traj.rate_hz, traj=traj))
    return out


def video_sections(
    landmarks: Landmarks,
    *,
    fps: float,
    height_m: float | None = None,
    exercise: ExerciseKind | None = None,
    image_size_px: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """``{"gait", "exercise", "angles", "balance"}`` for one tracked person's landmarks.

    Landmarks are repaired for left/right swaps and, for angles, low-pass filtered (6 Hz). The
    exercise is guessed when ``exercise`` is None; lengths are in metres only with ``height_m``.
    """
    lm, _ = repair_landmark_swaps(validate_landmarks(landmarks))
    traj = Trajectories.from_landmarks(lm, rate_hz=fps, image_size_px=image_size_px)
    names = list(traj.points)
    stacked = np.stack([traj.points[k] for k in names], axis=1)
    smooth = traj.with_points(
        {
            k: v
            for k, v in zip(
                names,
                np.moveaxis(lowpass(stacked, sampling_rate_hz=fps, max_gap_frames=int(0.25 * fps)), 1, 0),
                strict=True,
            )
        }
    )
    angles = joint_angles(smooth)
    sections = {
        "gait": _gait(traj, height_m),
        "exercise": _exercise(traj, exercise),
        "angles": ranges_of_motion(angles),
        "balance": _balance(traj),
    }
    result: dict[str, Any] = to_jsonable(sections)
    return result
