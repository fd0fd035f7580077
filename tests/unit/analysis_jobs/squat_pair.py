"""Two people squatting, from the squat clip's published BlazePose landmarks (no inference)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from capture.sequence import LandmarkSequence

# The second person: the same squats 20 frames later, 0.6 times the size, elsewhere in the picture.
LAG_FRAMES, SCALE, OFFSET_PX = 20, 0.6, (200.0, 300.0)
WIDTH_PX, HEIGHT_PX, FRAMES, FPS = 720, 1280, 65, 5.0


def squat_pair(shared_data: Path) -> tuple[LandmarkSequence, LandmarkSequence, LandmarkSequence]:
    """(both people, person 1 alone, person 2 alone) from the squat clip's published landmarks."""
    folder = shared_data / "videos"
    xyz = np.array(json.loads((folder / "squats_front.reference_blazepose_full_2d.json").read_text()))
    world_xyz = np.array(
        json.loads((folder / "squats_front.reference_blazepose_full_world3d.json").read_text())
    )
    ones = np.ones((*xyz.shape[:2], 1))
    first, first_world = np.concatenate([xyz, ones], axis=2), np.concatenate([world_xyz, ones], axis=2)
    second = np.roll(first, LAG_FRAMES, axis=0)
    second[..., :2] = second[..., :2] * SCALE + OFFSET_PX
    second_world = np.roll(first_world, LAG_FRAMES, axis=0)

    def seq(image: np.ndarray, world: np.ndarray, ids: tuple[int, ...], subject: int) -> LandmarkSequence:
        return LandmarkSequence(
            image=image, world=world, person_ids=ids, subject=subject, sampling_rate_hz=FPS,
            width_px=WIDTH_PX, height_px=HEIGHT_PX, model="full",
        )  # fmt: skip

    both = seq(np.stack([first, second]), np.stack([first_world, second_world]), (1, 2), 1)
    return both, seq(first[None], first_world[None], (1,), 1), seq(second[None], second_world[None], (2,), 2)
