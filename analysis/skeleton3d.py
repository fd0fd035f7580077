"""Measures only a 3D skeleton gives: trunk lean in both planes, rotation about the vertical and
depth-aware knee and hip flexion, from the constant-bone-length skeleton of :mod:`analysis.refine3d`.

Axes: camera-aligned, as MediaPipe's world landmarks are (x right and y down as in the image,
z away from the camera, metres, origin between the hips). The vertical is therefore the
camera's: a camera tilted by some degrees tilts every lean by as much.

Every angle is computed by :mod:`analysis.angles` (the one angle module), in its conventions
(Norkin & White 2016):

* ``trunk_forward_lean``: trunk (mid-hip -> mid-shoulder) from the vertical in the subject's
  sagittal plane, positive = forward (``trunk_lean_sagittal`` of :func:`~analysis.angles.joint_angles`);
* ``trunk_lateral_lean``: the same in the frontal plane, positive = towards the subject's right
  (``trunk_lean_frontal``);
* ``trunk_rotation``: shoulder line relative to hip line about the vertical, positive =
  shoulders turned to the subject's left (``trunk_rotation``);
* ``pelvis_rotation`` / ``shoulder_rotation``: hip line / shoulder line relative to facing the
  camera, positive = turned to the subject's left, 180 = back to the camera
  (:func:`~analysis.angles.rotation_about_vertical`);
* ``<side>_knee_flexion``, ``<side>_hip_flexion``: sagittal-plane flexion in the body frame
  built from the 3D hip line and trunk, so a thigh pointing at the camera reads as flexed
  rather than foreshortened (0 = straight, flexion positive).

The clip's values (:func:`skeleton_values`) are judged like every other value
(:class:`analysis.measurements.Assessor`: camera view from :data:`analysis.validity.VALID_VIEWS`,
landmark quality, plausibility). Depth from one camera is the weakest coordinate, so a measure is
valid only in views where its movement is mostly across the image: forward lean in a side or
oblique view, lateral lean and both rotations in a front/back or oblique view (from the side the
far shoulder and hip are hidden and the lines point along the camera's axis); knee and hip
flexion in any view, graded fair at best outside a side view.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from analysis.angles import joint_angles, rotation_about_vertical
from analysis.measurements import Assessor, Judged, Measured, both, sided
from analysis.types import FloatArray, Landmarks, Trajectories

SIDES = ("left", "right")
METHOD = (
    "3D skeleton with constant bone lengths fitted to MediaPipe's world landmarks (one camera: "
    "depth estimated by the model)"
)


def skeleton_measures(world: Landmarks, *, sampling_rate_hz: float) -> dict[str, FloatArray]:
    """Per-frame series ``(frames,)`` in degrees (keys and conventions in the module docstring)
    of a 3D skeleton ``(frames, 33, 4)``: x, y, z in metres (camera-aligned axes), visibility.
    Landmarks with visibility below 0.5 are not used (NaN in the series that need them)."""
    traj = Trajectories.from_landmarks(world, sampling_rate_hz=sampling_rate_hz, world=True)
    angles = joint_angles(traj)
    out = {
        "trunk_forward_lean": angles["trunk_lean_sagittal"],
        "trunk_lateral_lean": angles["trunk_lean_frontal"],
        "trunk_rotation": angles["trunk_rotation"],
    }
    out.update(rotation_about_vertical(traj))
    for side in SIDES:
        for joint in ("knee", "hip"):
            out[f"{side}_{joint}_flexion"] = angles[f"{side}_{joint}_flexion"]
    return out


def circular_range_deg(angle_deg: FloatArray) -> float:
    """Max - min of an angle series about its circular mean (so 179 and -179 are 2 deg apart);
    NaN when no value is finite."""
    a = np.radians(np.asarray(angle_deg, dtype=np.float64))
    a = a[np.isfinite(a)]
    if a.size == 0:
        return float("nan")
    centre = np.arctan2(np.sin(a).mean(), np.cos(a).mean())
    dev = np.degrees(np.angle(np.exp(1j * (a - centre))))
    return float(dev.max() - dev.min())


def _peak(x: FloatArray) -> float:
    return float(np.max(x))


def _largest_magnitude(x: FloatArray) -> float:
    return float(np.max(np.abs(x)))


#: metric -> (series, side or "", summary of the used frames, what the summary says, landmarks used).
_TRUNK = both("shoulder", "hip")
_Summary = Callable[[FloatArray], float]
_FLEXION = tuple(
    (
        f"{joint}_flexion_peak_3d", f"{side}_{joint}_flexion", side, _peak,
        f"largest {joint} flexion in the body's sagittal plane (depth-aware)",
        sided(side, "hip", "knee", "ankle") if joint == "knee" else both("hip", "shoulder") + sided(side, "knee"),
    )
    for joint in ("knee", "hip")
    for side in SIDES
)  # fmt: skip
VALUES: tuple[tuple[str, str, str, _Summary, str, tuple[int, ...]], ...] = (
    ("trunk_forward_lean_3d", "trunk_forward_lean", "", _peak, "largest forward lean from the vertical", _TRUNK),
    (
        "trunk_lateral_lean_3d", "trunk_lateral_lean", "", _largest_magnitude,
        "largest sideways lean from the vertical, to either side", _TRUNK,
    ),
    (
        "trunk_rotation_3d", "trunk_rotation", "", circular_range_deg,
        "range (max - min) of the shoulder line's rotation relative to the hip line about the vertical",
        _TRUNK,
    ),
    (
        "pelvis_rotation_3d", "pelvis_rotation", "", circular_range_deg,
        "range (max - min) of the hip line's rotation about the vertical", both("hip"),
    ),
    *_FLEXION,
)  # fmt: skip


def skeleton_values(measures: Mapping[str, FloatArray], a: Assessor) -> list[Judged]:
    """The clip's 3D values (:data:`VALUES`), each over the activity's frames seen in a view the
    metric is valid in (:data:`analysis.validity.VALID_VIEWS`) and judged by ``a``; withheld
    with the reason when the view, the landmarks or the value do not allow it."""
    out: list[Judged] = []
    for metric, key, side, summary, words, uses in VALUES:
        series = measures.get(key)
        if series is None:
            continue
        used = a.frames_for(metric) & np.isfinite(series)
        value = summary(series[used]) if used.any() else None
        view = a.views.dominant(used) if used.any() else None
        flexion = metric.endswith("_flexion_peak_3d")
        judged = a.judge(
            metric,
            value,
            unit="deg",
            uses=uses,
            method=f"{words} over {a.activity.describe()}; {METHOD}",
            side=side,
            fair_at_best_because=(
                f"read in a {view} view: the bend towards or away from the camera is the model's depth estimate"
                if flexion and view is not None and view != "sagittal"
                else None
            ),
        )
        if judged is not None:
            out.append(judged)
    return out


__all__ = ["Measured", "circular_range_deg", "skeleton_measures", "skeleton_values"]
