"""Swap repair without runs (``repair_landmark_swaps(runs=False)``), the form gait events use."""

from __future__ import annotations

import numpy as np

from analysis.signals import repair_landmark_swaps
from analysis.types import BlazePose
from tests.unit.analysis.synthetic import Pose, build, to_landmarks

LEG_PAIRS = (
    (BlazePose.LEFT_ANKLE, BlazePose.RIGHT_ANKLE),
    (BlazePose.LEFT_KNEE, BlazePose.RIGHT_KNEE),
    (BlazePose.LEFT_HEEL, BlazePose.RIGHT_HEEL),
    (BlazePose.LEFT_FOOT_INDEX, BlazePose.RIGHT_FOOT_INDEX),
)


def _swapped(frames: list[int]) -> tuple[np.ndarray, np.ndarray]:
    n = 60
    p = Pose(n=n)
    p.hip_flexion["left"] = 25 * np.sin(np.linspace(0, 4 * np.pi, n))
    p.hip_flexion["right"] = -p.hip_flexion["left"]
    lm = to_landmarks(build(p), mode="image")
    out = lm.copy()
    for a, b in LEG_PAIRS:
        out[frames, a], out[frames, b] = lm[frames, b], lm[frames, a]
    return lm, out


def test_without_runs_a_single_frame_swap_is_still_repaired() -> None:
    truth, swapped = _swapped([45])
    fixed, masks = repair_landmark_swaps(swapped, runs=False)
    assert list(np.flatnonzero(masks["legs"])) == [45]
    np.testing.assert_allclose(fixed, truth)


def test_without_runs_a_run_of_exchanged_labels_is_left_as_given() -> None:
    # The run repair would exchange these back (test_signals); gait events do not rely on it.
    _, swapped = _swapped(list(range(30, 39)))
    fixed, masks = repair_landmark_swaps(swapped, runs=False)
    assert not masks["legs"][31:38].any()
    np.testing.assert_allclose(fixed[31:38], swapped[31:38])
    _, with_runs = repair_landmark_swaps(swapped)
    assert with_runs["legs"][30:39].all()
