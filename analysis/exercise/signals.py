"""The movement signal that each exercise's repetitions are counted on.

Each signal grows as the body leaves the rest position and peaks at the turnaround (bottom of a
squat or deadlift, top of a stand, press or curl). They are chosen to work from any camera angle:

* squat: knee flexion (deg, :data:`analysis.angles.CONVENTION`), the mean of both knees'
  :func:`analysis.angles.bend_angles` (180 deg minus the interior hip-knee-ankle angle), one
  knee where only one is seen; :func:`squat_knee_flexion` is the one definition the live page
  and the offline analysis share;
* sit_to_stand: pelvis height above its lowest level, in leg lengths (turnaround = standing);
* deadlift: how far the wrists are below the pelvis, in leg lengths;
* overhead_press: wrist height above the shoulders, in arm lengths;
* curl: elbow flexion of the more active arm (deg).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from analysis.angles import bend_angles
from analysis.types import FloatArray, Trajectories

ExerciseKind = Literal["squat", "sit_to_stand", "deadlift", "overhead_press", "curl"]
KINDS: tuple[ExerciseKind, ...] = ("squat", "sit_to_stand", "deadlift", "overhead_press", "curl")

#: Whether the first half of a repetition lowers a load against gravity (eccentric first).
ECCENTRIC_FIRST: dict[ExerciseKind, bool] = {
    "squat": True,
    "deadlift": True,
    "sit_to_stand": False,
    "overhead_press": False,
    "curl": False,
}


def _xy(traj: Trajectories, name: str) -> FloatArray:
    p = traj.get(name)
    return p[:, :2] if traj.axes.planar else p


def leg_length(traj: Trajectories) -> float:
    """Median hip-knee-ankle length over both legs (recording units)."""
    lengths = []
    for s in ("left", "right"):
        hip, knee, ankle = _xy(traj, f"{s}_hip"), _xy(traj, f"{s}_knee"), _xy(traj, f"{s}_ankle")
        lengths.append(np.linalg.norm(knee - hip, axis=1) + np.linalg.norm(ankle - knee, axis=1))
    return float(np.nanpercentile(np.concatenate(lengths), 90))


def arm_length(traj: Trajectories) -> float:
    lengths = []
    for s in ("left", "right"):
        sh, el, wr = _xy(traj, f"{s}_shoulder"), _xy(traj, f"{s}_elbow"), _xy(traj, f"{s}_wrist")
        lengths.append(np.linalg.norm(el - sh, axis=1) + np.linalg.norm(wr - el, axis=1))
    return float(np.nanpercentile(np.concatenate(lengths), 90))


def elbow_flexions(traj: Trajectories) -> dict[str, FloatArray]:
    """Elbow flexion per side (deg, 0 = straight), from :func:`analysis.angles.bend_angles`."""
    e = bend_angles(traj, joints=("left_elbow", "right_elbow"))
    return {s: e[f"{s}_elbow"] for s in ("left", "right")}


def _mean_of_seen(a: FloatArray, b: FloatArray) -> FloatArray:
    """Frame-wise mean of two series, or the one that is seen, NaN if neither."""
    both = (a + b) / 2.0
    return np.asarray(np.where(np.isfinite(both), both, np.where(np.isfinite(a), a, b)), dtype=np.float64)


def squat_knee_flexion(traj: Trajectories) -> FloatArray:
    """The squat's movement signal ``(frames,)``: mean knee flexion of the seen knees, in degrees.

    0 = straight knees, flexion positive (:data:`analysis.angles.CONVENTION`). Its peak over a
    repetition is the repetition's depth (:func:`analysis.exercise.reps.segment_reps`), i.e. the
    squat depth is the peak knee flexion, the clinical measure of squat depth (Schoenfeld 2010,
    J Strength Cond Res 24:3497: parallel squat = about 90-100 deg of knee flexion).
    """
    k = bend_angles(traj, joints=("left_knee", "right_knee"))
    return _mean_of_seen(k["left_knee"], k["right_knee"])


def movement_signal(traj: Trajectories, kind: ExerciseKind) -> FloatArray:
    """The ``(frames,)`` signal of ``kind`` (see the module docstring); NaN where unseen."""
    if kind == "squat":
        return squat_knee_flexion(traj)
    if kind == "sit_to_stand":
        h = traj.vertical("pelvis")
        return np.asarray((h - np.nanpercentile(h, 2)) / leg_length(traj), dtype=np.float64)
    if kind == "deadlift":
        wrist = _mean_of_seen(traj.vertical("left_wrist"), traj.vertical("right_wrist"))
        return np.asarray((traj.vertical("pelvis") - wrist) / leg_length(traj), dtype=np.float64)
    if kind == "overhead_press":
        wrist = _mean_of_seen(traj.vertical("left_wrist"), traj.vertical("right_wrist"))
        sh = _mean_of_seen(traj.vertical("left_shoulder"), traj.vertical("right_shoulder"))
        return np.asarray((wrist - sh) / arm_length(traj), dtype=np.float64)
    e = elbow_flexions(traj)
    ranges = {s: np.nanpercentile(v, 95) - np.nanpercentile(v, 5) for s, v in e.items()}
    return e[max(ranges, key=lambda s: ranges[s])]
