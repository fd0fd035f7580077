"""Synthetic BlazePose skeletons with known geometry, for tests that must not run a model."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from capture.landmarks import LANDMARK_INDEX, NUM_LANDMARKS
from capture.pose import PersonPose, person_from_arrays

# A person standing upright, facing the camera: (x offset from the body's centre line, y from the
# top of the head), both as fractions of body height. The subject's left is image-right.
_STANDING: dict[str, tuple[float, float]] = {
    "nose": (0.0, 0.06),
    "left_eye_inner": (0.01, 0.045),
    "left_eye": (0.02, 0.045),
    "left_eye_outer": (0.03, 0.045),
    "right_eye_inner": (-0.01, 0.045),
    "right_eye": (-0.02, 0.045),
    "right_eye_outer": (-0.03, 0.045),
    "left_ear": (0.05, 0.055),
    "right_ear": (-0.05, 0.055),
    "mouth_left": (0.015, 0.085),
    "mouth_right": (-0.015, 0.085),
    "left_shoulder": (0.12, 0.18),
    "right_shoulder": (-0.12, 0.18),
    "left_elbow": (0.15, 0.35),
    "right_elbow": (-0.15, 0.35),
    "left_wrist": (0.16, 0.5),
    "right_wrist": (-0.16, 0.5),
    "left_pinky": (0.17, 0.54),
    "right_pinky": (-0.17, 0.54),
    "left_index": (0.16, 0.55),
    "right_index": (-0.16, 0.55),
    "left_thumb": (0.14, 0.53),
    "right_thumb": (-0.14, 0.53),
    "left_hip": (0.08, 0.5),
    "right_hip": (-0.08, 0.5),
    "left_knee": (0.08, 0.73),
    "right_knee": (-0.08, 0.73),
    "left_ankle": (0.08, 0.95),
    "right_ankle": (-0.08, 0.95),
    "left_heel": (0.07, 0.97),
    "right_heel": (-0.07, 0.97),
    "left_foot_index": (0.1, 1.0),
    "right_foot_index": (-0.1, 1.0),
}
TEMPLATE: NDArray[np.float64] = np.array(
    [_STANDING[name] for name in sorted(_STANDING, key=LANDMARK_INDEX.get)]
)
# Torso (shoulder centre to hip centre) 0.32 + thigh 0.23 + shank 0.22 = 0.77 body heights.
BODY_SIZE_PER_HEIGHT = 0.32 + 0.23 + 0.22


def skeleton_px(*, centre_x: float, top_y: float, height: float) -> NDArray[np.float64]:
    """``(33, 2)`` pixel positions of a standing person ``height`` pixels tall."""
    xy = TEMPLATE * height
    xy[:, 0] += centre_x
    xy[:, 1] += top_y
    return xy


def person(
    *,
    centre_x: float,
    top_y: float,
    height: float,
    frame_size: tuple[int, int] = (1280, 720),
    visibility: float = 0.95,
    rng: np.random.Generator | None = None,
    jitter_px: float = 0.0,
) -> PersonPose:
    """A :class:`PersonPose` for a standing person, optionally with Gaussian landmark jitter."""
    width, frame_height = frame_size
    xy = skeleton_px(centre_x=centre_x, top_y=top_y, height=height)
    if rng is not None and jitter_px > 0:
        xy = xy + rng.normal(0.0, jitter_px, size=xy.shape)
    normalized = np.column_stack([xy[:, 0] / width, xy[:, 1] / frame_height, np.zeros(NUM_LANDMARKS)])
    world = np.column_stack([(TEMPLATE - [0.0, 0.5]) * 1.7, np.zeros(NUM_LANDMARKS)])
    return person_from_arrays(
        normalized,
        np.full(NUM_LANDMARKS, visibility),
        np.full(NUM_LANDMARKS, 0.99),
        world,
        width_px=width,
        height_px=frame_height,
    )
