"""The movement signal that each exercise's repetitions are counted on.

Each signal grows as the body leaves the rest position and peaks at the turnaround (bottom of a
squat or deadlift, top of a stand, press or curl). They are chosen to work from any camera angle:

* squat: knee bend, 180 deg minus the mean interior hip-knee-ankle angle (deg);
* sit_to_stand: pelvis height above its lowest level, in leg lengths (turnaround = standing);
* deadlift: how far the wrists are below the pelvis, in leg lengths;
* overhead_press: wrist height above the shoulders, in arm lengths;
* curl: elbow flexion of the more active arm (deg).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from analysis.angles import interior_angle
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


def knee_angles(traj: Trajectories) -> dict[str, FloatArray]:
    """Interior knee angles (180 = straight) per side, in the image plane for planar data."""
    return {
        s: interior_angle(_xy(traj, f"{s}_hip"), _xy(traj, f"{s}_knee"), _xy(traj, f"{s}_ankle"))
        for s in ("left", "right")
    }


def elbow_flexions(traj: Trajectories) -> dict[str, FloatArray]:
    return {
        s: 180.0
        - interior_angle(_xy(traj, f"{s}_shoulder"), _xy(traj, f"{s}_elbow"), _xy(traj, f"{s}_wrist"))
        for s in ("left", "right")
    }


def _mean_of_seen(a: FloatArray, b: FloatArray) -> FloatArray:
    """Frame-wise mean of two series, or the one that is seen, NaN if neither."""
    both = (a + b) / 2.0
    return np.asarray(np.where(np.isfinite(both), both, np.where(np.isfinite(a), a, b)), dtype=np.float64)


def movement_signal(traj: Trajectories, kind: ExerciseKind) -> FloatArray:
    """The ``(frames,)`` signal of ``kind`` (see the module docstring); NaN where unseen."""
    if kind == "squat":
        k = knee_angles(traj)
        return 180.0 - _mean_of_seen(k["left"], k["right"])
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
