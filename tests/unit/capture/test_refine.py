"""Second passes of capture.refine through analyze_file, with recorded estimators in place of MediaPipe.

The second passes run in a child process (capture.second_pass_child), so the recorded estimators
are made there by a picklable factory defined at module level.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from capture.pipeline import VideoAnalysis, analyze_file
from capture.pose import PersonPose, PoseConfig, PoseEstimator, RunningMode, person_in_frame
from capture.refine import RefineConfig
from capture.refine_runner import SecondPassError
from tests.unit.capture.skeletons import person
from tests.unit.capture.videos import write_video

FPS = 20.0
SIZE = (320, 240)


class Replay:
    """Replays people by frame index (from the timestamp) and records the crops it is given."""

    variant = "recorded"

    def __init__(self, by_frame: dict[int, list[PersonPose]]) -> None:
        self.by_frame = by_frame

    def estimate(self, frame_rgb: NDArray[np.uint8], *, timestamp_ms: int) -> list[PersonPose]:
        return self.by_frame.get(round(timestamp_ms * FPS / 1000), [])

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class ReplayFactory:
    """Replays ``second`` in whichever mode the second passes ask for (always one pose)."""

    second: dict[int, list[PersonPose]]

    def __call__(self, mode: RunningMode, config: PoseConfig) -> PoseEstimator:
        if config.num_poses != 1:
            raise AssertionError(f"the second passes must ask for one pose, got {config.num_poses}")
        return Replay(self.second)


def _walker(i: int) -> PersonPose:
    return person(centre_x=60 + 3 * i, top_y=100, height=100, frame_size=SIZE)


def _run(
    tmp_path: Path,
    first: dict[int, list[PersonPose]],
    second: dict[int, list[PersonPose]],
    *,
    single_person_pass: bool = False,
) -> VideoAnalysis:
    video = write_video(tmp_path / "clip.mp4", frames=40, fps=FPS, width=SIZE[0], height=SIZE[1])
    # A crop scale this large always clips the search crop to the whole frame, so the replayed
    # full-frame poses are already in crop coordinates.
    return analyze_file(
        video,
        estimator=Replay(first),
        make_estimator=ReplayFactory(second),
        refine=RefineConfig(crop_scale=10.0, single_person_pass=single_person_pass),
    )


def test_backfill_extends_a_late_detection_backwards_until_the_person_is_not_found(tmp_path: Path) -> None:
    first = {i: [_walker(i)] for i in range(15, 40)}  # the detector finds the walker from frame 15
    second = {i: [_walker(i)] for i in range(8, 40)}  # but the crop search sees him from frame 8
    result = _run(tmp_path, first, second)
    (walker,) = result.people
    # Backwards from frame 14, stopping at the first miss (frame 7), though frames 0-6 are searchable.
    assert (walker.first_frame, walker.frames_tracked) == (8, 32)
    assert result.refinement["backfilled_frames"] == {1: 7}
    np.testing.assert_allclose(result.image_landmarks(1)[8, :, :2], _walker(8).image[:, :2])


def test_backfill_does_not_take_another_persons_detection_or_a_far_away_one(tmp_path: Path) -> None:
    other = [person(centre_x=250, top_y=60, height=90, frame_size=SIZE)]
    first = {i: [_walker(i)] + (other if i < 20 else []) for i in range(15, 40)}
    first.update({i: list(other) for i in range(0, 15)})
    # The crop search would return the other person (already tracked) in frame 14 for the walker.
    second = {14: list(other)}
    result = _run(tmp_path, first, second)
    walker = next(p for p in result.people if p.first_frame >= 10)
    assert walker.first_frame == 15
    # A pose at a different place and size does not continue the walker either.
    second = {14: [person(centre_x=200, top_y=20, height=200, frame_size=SIZE)]}
    result = _run(tmp_path, {i: [_walker(i)] for i in range(15, 40)}, second)
    assert result.people[0].first_frame == 15


def test_single_person_pass_only_when_nobody_else_is_in_view(tmp_path: Path) -> None:
    first = {i: [_walker(i)] for i in range(40)}
    shifted = {i: [person(centre_x=62 + 3 * i, top_y=100, height=100, frame_size=SIZE)] for i in range(40)}
    result = _run(tmp_path, first, shifted, single_person_pass=True)
    assert result.refinement["single_person_pass"] == 40
    np.testing.assert_allclose(result.image_landmarks(1)[5, :, :2], shifted[5][0].image[:, :2])
    # Two people in view: the multi-person estimates stay.
    other = [person(centre_x=250, top_y=60, height=90, frame_size=SIZE)]
    result = _run(tmp_path, {i: [_walker(i), *other] for i in range(40)}, shifted, single_person_pass=True)
    assert result.refinement["single_person_pass"] is None
    np.testing.assert_allclose(result.image_landmarks(1)[5, :, :2], _walker(5).image[:, :2])


def test_person_in_frame_moves_crop_coordinates_into_the_frame() -> None:
    crop = person(centre_x=50, top_y=10, height=80, frame_size=(100, 100))
    full = person_in_frame(crop, offset_px=(30, 40), width_px=SIZE[0], height_px=SIZE[1])
    np.testing.assert_allclose(full.image[:, :2], crop.image[:, :2] + [30, 40])
    np.testing.assert_allclose(full.normalized[:, 0], full.image[:, 0] / SIZE[0])
    np.testing.assert_allclose(full.bbox, crop.bbox + np.array([30, 40, 30, 40]))


@dataclass(frozen=True)
class BrokenFactory:
    def __call__(self, mode: RunningMode, config: PoseConfig) -> PoseEstimator:
        raise RuntimeError("model file unreadable")


def test_a_failing_second_pass_is_reported_with_its_cause(tmp_path: Path) -> None:
    video = write_video(tmp_path / "clip.mp4", frames=40, fps=FPS, width=SIZE[0], height=SIZE[1])
    first = {i: [_walker(i)] for i in range(15, 40)}
    with pytest.raises(SecondPassError, match="model file unreadable"):
        analyze_file(video, estimator=Replay(first), make_estimator=BrokenFactory())


def test_an_unpicklable_estimator_factory_is_refused_clearly(tmp_path: Path) -> None:
    video = write_video(tmp_path / "clip.mp4", frames=10, fps=FPS, width=SIZE[0], height=SIZE[1])

    def closure(mode: RunningMode, config: PoseConfig) -> PoseEstimator:
        return Replay({})

    with pytest.raises(TypeError, match="must be picklable"):
        analyze_file(video, estimator=Replay({}), make_estimator=closure)
