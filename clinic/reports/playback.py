"""Frame-by-frame skeleton playback data for a stored landmark sequence (pure; no Django).

The page draws the subject's 33 BlazePose landmarks per frame and writes joint angles
beside the joints; two sequences play side by side on one scrubber. Angles are computed here on
the server with :func:`analysis.angles.bend_angles`, the function the live page uses, in
:data:`analysis.angles.CONVENTION` (0 = straight, flexion positive), which ``convention`` states
for the page's legend.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from analysis.angles import CONVENTION, bend_angles
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


def playback_data(sequence: LandmarkSequence) -> dict[str, Any]:
    """JSON-ready frames of the subject: ``landmarks[f][i] = [x_px, y_px, visibility]`` (null if unseen)."""
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
    }
