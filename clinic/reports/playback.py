"""Frame-by-frame skeleton playback data for a stored landmark sequence (pure; no Django).

The page draws the subject's 33 BlazePose landmarks per frame and writes joint angles
beside the joints; two sequences play side by side on one scrubber. Angles are computed here on
the server with :func:`analysis.angles.bend_angles`, the function the live page uses, in
:data:`analysis.angles.CONVENTION` (0 = straight, flexion positive), which ``convention`` states
for the page's legend.

When an analysis of the sequence fitted the subject's 3D skeleton (:mod:`analysis.refine3d`,
stored sealed beside the analysis), ``skeleton3d`` carries it so the page can draw it from the
front, the side or above: the fitted joints per frame in metres, MediaPipe's camera-aligned world
axes (x right, y down, z away from the camera, origin between the hips).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from analysis.angles import CONVENTION, bend_angles
from analysis.refine3d import BONES, JOINTS
from analysis.types import Trajectories
from capture.sequence import LandmarkSequence

# Angles shown on the skeleton and the landmark they are written beside: the joints the live
# page shows for lower- and upper-limb exercises, measured in every camera view.
SHOWN_ANGLES = {
    "left_knee": 25,
    "right_knee": 26,
    "left_hip": 23,
    "right_hip": 24,
    "left_elbow": 13,
    "right_elbow": 14,
}


def _clean(values: np.ndarray, digits: int) -> list[float | None]:
    return [None if not math.isfinite(v) else round(float(v), digits) for v in values]


def skeleton_data(skeleton: LandmarkSequence) -> dict[str, Any]:
    """The fitted 3D skeleton of the subject, JSON-ready: ``points[f][k] = [x, y, z]`` in metres
    (millimetre precision) for joint ``joints[k]``, null where the model did not see it;
    ``bones`` as pairs of landmark indices."""
    world = skeleton.subject_world()
    seen = np.nan_to_num(world[..., 3]) >= 0.5
    points = [
        [
            [round(float(c), 3) for c in world[f, j, :3]]
            if seen[f, j] and np.isfinite(world[f, j, :3]).all()
            else None
            for j in JOINTS
        ]
        for f in range(world.shape[0])
    ]
    return {
        "axes": "metres; x right, y down, z away from the camera; origin between the hips",
        "joints": list(JOINTS),
        "bones": [list(b) for b in BONES],
        "points": points,
    }


def playback_data(sequence: LandmarkSequence, *, skeleton: LandmarkSequence | None = None) -> dict[str, Any]:
    """JSON-ready frames of the subject: ``landmarks[f][i] = [x_px, y_px, visibility]`` (null if
    unseen), and ``skeleton3d`` (:func:`skeleton_data`, or null) from ``skeleton``, the subject's
    fitted 3D skeleton on the same frames."""
    image = sequence.subject_image()
    frames = image.shape[0]
    landmarks = [
        [
            None
            if not math.isfinite(image[f, i, 0])
            else [
                round(float(image[f, i, 0]), 1),
                round(float(image[f, i, 1]), 1),
                round(float(image[f, i, 3]), 2),
            ]
            for i in range(33)
        ]
        for f in range(frames)
    ]
    angles: dict[str, Any] = {}
    try:
        # The landmarks are in pixels already (no image_size_px: that would scale them again).
        traj = Trajectories.from_landmarks(image, sampling_rate_hz=sequence.sampling_rate_hz)
        computed = bend_angles(traj, joints=tuple(SHOWN_ANGLES))
    except ValueError:
        computed = {}
    for name, joint in SHOWN_ANGLES.items():
        if name in computed and np.isfinite(computed[name]).any():
            angles[name] = {"joint": joint, "deg": _clean(computed[name], 1)}
    return {
        "frames": frames,
        "fps": sequence.sampling_rate_hz,
        "width": sequence.width_px,
        "height": sequence.height_px,
        "model": sequence.model,
        "landmarks": landmarks,
        "angles": angles,
        "convention": CONVENTION,
        "skeleton3d": skeleton_data(skeleton) if skeleton is not None and skeleton.frames == frames else None,
    }
