"""Second passes of capture.refine through analyze_file, with recorded estimators in place of MediaPipe."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from capture.pipeline import VideoAnalysis, analyze_file
from capture.pose import PersonPose, PoseConfig, PoseEstimator, RunningMode, person_in_frame
from capture.refine import RefineConfig
from tests.unit.capture.skeletons import person
from tests.unit.capture.videos import write_video

FPS = 20.0
SIZE = (320, 240)


class Replay:
    """Replays people by frame index (from the timestamp) and records the crops it is given."""

    variant = "recorded"

    def __init__(self, by_frame: dict[int, list[PersonPose]]) -> None:
        self.by_frame = by_frame
        self.calls: list[tuple[int, tuple[int, ...]]] = []

    def estimate(self, frame_rgb: NDArray[np.uint8], *, timestamp_ms: int) -> list[PersonPose]:
        index = round(timestamp_ms * FPS / 1000)
        self.calls.append((index, frame_rgb.shape))
        return self.by_frame.get(index, [])

    def close(self) -> None:
        pass


def _walker(i: int) -> PersonPose:
    return person(centre_x=60 + 3 * i, top_y=100, height=100, frame_size=SIZE)


def _run(
    tmp_path: Path,
    first: dict[int, list[PersonPose]],
    second: dict[int, list[PersonPose]],
    *,
    single_person_pass: bool = False,
) -> tuple[VideoAnalysis, dict[str, Replay]]:
    video = write_video(tmp_path / "clip.mp4", frames=40, fps=FPS, width=SIZE[0], height=SIZE[1])
    made: dict[str, Replay] = {}

    def factory(mode: RunningMode, config: PoseConfig) -> PoseEstimator:
        assert config.num_poses == 1
        made[mode] = Replay(second)
        return made[mode]

    # A crop scale this large always clips the search crop to the whole frame, so the replayed
    # full-frame poses are already in crop coordinates.
    result = analyze_file(
        video,
        estimator=Replay(first),
        make_estimator=factory,
        refine=RefineConfig(crop_scale=10.0, single_person_pass=single_person_pass),
    )
    return result, made


def test_backfill_extends_a_late_detection_backwards_until_the_person_is_not_found(tmp_path: Path) -> None:
    first = {i: [_walker(i)] for i in range(15, 40)}  # the detector finds the walker from frame 15
    second = {i: [_walker(i)] for i in range(8, 40)}  # but the crop search sees him from frame 8
    result, made = _run(tmp_path, first, second)
    (walker,) = result.people
    assert (walker.first_frame, walker.frames_tracked) == (8, 32)
    assert result.refinement["backfilled_frames"] == {1: 7}
    searched = [i for i, _ in made["image"].calls]
    assert searched == list(range(14, 6, -1))  # backwards, stopping at the first miss (frame 7)
    np.testing.assert_allclose(result.image_landmarks(1)[8, :, :2], _walker(8).image[:, :2])


def test_backfill_does_not_take_another_persons_detection_or_a_far_away_one(tmp_path: Path) -> None:
    other = [person(centre_x=250, top_y=60, height=90, frame_size=SIZE)]
    first = {i: [_walker(i)] + (other if i < 20 else []) for i in range(15, 40)}
    first.update({i: list(other) for i in range(0, 15)})
    # The crop search would return the other person (already tracked) in frame 14 for the walker.
    second = {14: list(other)}
    result, _ = _run(tmp_path, first, second)
    walker = next(p for p in result.people if p.first_frame >= 10)
    assert walker.first_frame == 15
    # A pose at a different place and size does not continue the walker either.
    second = {14: [person(centre_x=200, top_y=20, height=200, frame_size=SIZE)]}
    result, _ = _run(tmp_path, {i: [_walker(i)] for i in range(15, 40)}, second)
    assert result.people[0].first_frame == 15


def test_single_person_pass_only_when_nobody_else_is_in_view(tmp_path: Path) -> None:
    first = {i: [_walker(i)] for i in range(40)}
    shifted = {i: [person(centre_x=62 + 3 * i, top_y=100, height=100, frame_size=SIZE)] for i in range(40)}
    result, made = _run(tmp_path, first, shifted, single_person_pass=True)
    assert result.refinement["single_person_pass"] == 40 and "video" in made
    np.testing.assert_allclose(result.image_landmarks(1)[5, :, :2], shifted[5][0].image[:, :2])
    # Two people in view: the multi-person estimates stay.
    other = [person(centre_x=250, top_y=60, height=90, frame_size=SIZE)]
    result, made = _run(
        tmp_path, {i: [_walker(i), *other] for i in range(40)}, shifted, single_person_pass=True
    )
    assert result.refinement["single_person_pass"] is None and "video" not in made
    np.testing.assert_allclose(result.image_landmarks(1)[5, :, :2], _walker(5).image[:, :2])


def test_person_in_frame_moves_crop_coordinates_into_the_frame() -> None:
    crop = person(centre_x=50, top_y=10, height=80, frame_size=(100, 100))
    full = person_in_frame(crop, offset_px=(30, 40), width_px=SIZE[0], height_px=SIZE[1])
    np.testing.assert_allclose(full.image[:, :2], crop.image[:, :2] + [30, 40])
    np.testing.assert_allclose(full.normalized[:, 0], full.image[:, 0] / SIZE[0])
    np.testing.assert_allclose(full.bbox, crop.bbox + np.array([30, 40, 30, 40]))
