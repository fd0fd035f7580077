"""A synthetic two-person landmark sequence with known answers (no model, no video).

Frame 640x360 px, 60 frames at 30 fps:

* person 1: small (80 px tall, far away), standing on the left (hip centre x = 100 px), frames 0-59;
* person 2: large (200 px tall), walking from x = 560 to x = 200 px (right to left), frames 10-59,
  knees hidden (visibility 0.1) before frame 15, so her first good frame is 15.

Rule ``longest_largest``: person 2 is tracked 50 frames, at least half of person 1's 60, and is
larger, so she is the subject.
"""

from __future__ import annotations

import numpy as np

from capture.landmarks import LANDMARK_INDEX
from capture.sequence import LandmarkSequence
from tests.unit.capture.skeletons import skeleton_px

WIDTH, HEIGHT, FRAMES, FPS = 640, 360, 60, 30.0
WALKER_FIRST, WALKER_GOOD = 10, 15


def walker_centre_x(frame: int) -> float:
    return 560.0 - 360.0 * (frame - WALKER_FIRST) / (FRAMES - 1 - WALKER_FIRST)


def two_people(*, subject: int | None = 2) -> LandmarkSequence:
    image = np.full((2, FRAMES, 33, 4), np.nan)
    for f in range(FRAMES):
        image[0, f, :, :2] = skeleton_px(centre_x=100.0, top_y=120.0, height=80.0)
        image[0, f, :, 3] = 0.9
        if f >= WALKER_FIRST:
            image[1, f, :, :2] = skeleton_px(centre_x=walker_centre_x(f), top_y=100.0, height=200.0)
            image[1, f, :, 3] = 0.95
            if f < WALKER_GOOD:
                image[1, f, [LANDMARK_INDEX["left_knee"], LANDMARK_INDEX["right_knee"]], 3] = 0.1
    image[..., 2] = np.where(np.isfinite(image[..., 0]), 0.0, np.nan)
    world = np.where(np.isfinite(image), image / 200.0, np.nan)
    world[..., 3] = image[..., 3]
    return LandmarkSequence(
        image=image,
        world=world,
        person_ids=(1, 2),
        subject=subject,
        sampling_rate_hz=FPS,
        width_px=WIDTH,
        height_px=HEIGHT,
        model="synthetic",
    )
