"""BlazePose landmark topology: names, the COCO-17 subset, skeleton edges and OKS constants.

BlazePose (Bazarevsky et al. 2020, "BlazePose: On-device Real-time Body Pose tracking") predicts
33 landmarks; "left"/"right" are the *subject's* sides, not the image's.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

LANDMARK_NAMES: Final[tuple[str, ...]] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
NUM_LANDMARKS: Final = 33
LANDMARK_INDEX: Final[dict[str, int]] = {name: i for i, name in enumerate(LANDMARK_NAMES)}

# COCO-17 keypoints in COCO order, as BlazePose indices (COCO "eye" = BlazePose eye centre).
COCO17_NAMES: Final[tuple[str, ...]] = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
COCO17_FROM_BLAZEPOSE: Final[NDArray[np.intp]] = np.array(
    [LANDMARK_INDEX[name] for name in COCO17_NAMES], dtype=np.intp
)

# Per-keypoint OKS falloff constants of the COCO keypoint benchmark (Ronchi & Perona 2017;
# cocodataset.org/#keypoints-eval), in COCO-17 order.
COCO17_OKS_SIGMAS: Final[NDArray[np.float64]] = (
    np.array(
        [0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89]
    )
    / 10.0
)

# Limbs drawn between landmarks (MediaPipe's POSE_CONNECTIONS without the face).
SKELETON_EDGES: Final[tuple[tuple[int, int], ...]] = (
    (11, 12),
    (11, 13),
    (13, 15),
    (12, 14),
    (14, 16),
    (11, 23),
    (12, 24),
    (23, 24),
    (23, 25),
    (25, 27),
    (27, 29),
    (29, 31),
    (27, 31),
    (24, 26),
    (26, 28),
    (28, 30),
    (30, 32),
    (28, 32),
)
