"""Identity tracking on synthetic people with known paths."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from capture.pose import PersonPose
from capture.tracking import PoseTracker, TrackerConfig, box_iou, keypoint_similarity
from tests.unit.capture.skeletons import person

FPS = 30.0
FRAME = (1280, 720)


def _run(
    frames: list[list[PersonPose]], config: TrackerConfig | None = None
) -> tuple[PoseTracker, list[list[int | None]]]:
    tracker = PoseTracker(sampling_rate_hz=FPS, frame_size_px=FRAME, config=config)
    return tracker, [tracker.update(people, frame_index=i) for i, people in enumerate(frames)]


def test_identical_poses_have_similarity_one_and_distant_poses_near_zero() -> None:
    a = person(centre_x=400, top_y=100, height=400).coco17[:, [0, 1, 3]]
    far = person(centre_x=900, top_y=100, height=400).coco17[:, [0, 1, 3]]
    assert keypoint_similarity(a, a, scale_px=200) == pytest.approx(1.0)
    assert keypoint_similarity(a, far, scale_px=200) < 1e-6


def test_similarity_falls_with_distance_and_rises_with_tolerance() -> None:
    a = person(centre_x=400, top_y=100, height=400).coco17[:, [0, 1, 3]]
    values = [
        keypoint_similarity(
            a, person(centre_x=400 + dx, top_y=100, height=400).coco17[:, [0, 1, 3]], scale_px=200
        )
        for dx in (5, 20, 40, 80)
    ]
    assert values == sorted(values, reverse=True)
    shifted = person(centre_x=440, top_y=100, height=400).coco17[:, [0, 1, 3]]
    assert keypoint_similarity(a, shifted, scale_px=200, tolerance=3.0) > keypoint_similarity(
        a, shifted, scale_px=200
    )


def test_box_iou_known_values() -> None:
    box = np.array([0.0, 0.0, 10.0, 10.0])
    assert box_iou(box, box) == pytest.approx(1.0)
    assert box_iou(box, np.array([5.0, 0.0, 15.0, 10.0])) == pytest.approx(50 / 150)
    assert box_iou(box, np.array([20.0, 20.0, 30.0, 30.0])) == 0.0


def test_two_people_crossing_keep_their_identities() -> None:
    """A walks right in front, B walks left behind; their boxes overlap mid-clip."""
    frames = []
    for i in range(90):
        a = person(centre_x=200 + 10 * i, top_y=250, height=420)
        b = person(centre_x=1100 - 10 * i, top_y=180, height=330)
        frames.append([b, a] if i % 2 else [a, b])  # detector order must not matter
    tracker, ids = _run(frames)
    a_ids = {frame_ids[0 if i % 2 == 0 else 1] for i, frame_ids in enumerate(ids)}
    b_ids = {frame_ids[1 if i % 2 == 0 else 0] for i, frame_ids in enumerate(ids)}
    assert len(a_ids) == 1 and len(b_ids) == 1 and a_ids != b_ids
    assert [t.frames_tracked for t in tracker.tracks()] == [90, 90]


def test_short_occlusion_is_bridged_by_motion_prediction() -> None:
    """Hidden for 15 frames (0.5 s) while walking 20 px/frame: reappears 320 px further, same identity."""
    frames: list[list[PersonPose]] = []
    for i in range(60):
        hidden = 25 <= i < 40
        frames.append([] if hidden else [person(centre_x=100 + 20 * i, top_y=200, height=400)])
    tracker, ids = _run(frames)
    assert {i for frame_ids in ids for i in frame_ids} == {1}
    (track,) = tracker.tracks()
    assert (track.first_frame, track.last_frame, track.frames_tracked) == (0, 59, 45)


def test_occlusion_longer_than_the_limit_gives_a_new_identity() -> None:
    config = TrackerConfig(max_occlusion_s=0.5)
    frames: list[list[PersonPose]] = []
    for i in range(100):
        hidden = 30 <= i < 60  # 1 s
        frames.append([] if hidden else [person(centre_x=300 + 2 * i, top_y=200, height=400)])
    tracker, _ = _run(frames, config)
    assert [(t.first_frame, t.last_frame) for t in tracker.tracks()] == [(0, 29), (60, 99)]


def test_person_who_leaves_and_different_person_who_enters_get_different_identities() -> None:
    """A walks out through the right edge; 2 frames later B steps in at that edge, walking back.

    B appears within 20 px of where A's motion would put A, so only the exit rule tells them apart.
    """
    frames: list[list[PersonPose]] = [
        [person(centre_x=900 + 15 * i, top_y=200, height=400)] for i in range(26)
    ]
    frames += [[]]
    frames += [[person(centre_x=1285 - 15 * j, top_y=200, height=400)] for j in range(30)]
    tracker, ids = _run(frames)
    a_ids = {i for frame_ids in ids[:26] for i in frame_ids}
    b_ids = {i for frame_ids in ids[27:] for i in frame_ids}
    assert len(a_ids) == 1 and len(b_ids) == 1 and a_ids.isdisjoint(b_ids)
    assert len(tracker.tracks()) == 2


def test_fragments_shorter_than_half_a_second_are_not_reported() -> None:
    frames = [[person(centre_x=400, top_y=200, height=400)] for _ in range(40)]
    for i in range(10, 24):  # 14 frames = 0.47 s of a spurious second detection
        frames[i].append(person(centre_x=1000, top_y=100, height=300))
    for i in range(25, 40):  # 15 frames = 0.5 s: reported
        frames[i].append(person(centre_x=100, top_y=300, height=300))
    tracker, _ = _run(frames)
    assert [t.frames_tracked for t in tracker.tracks()] == [40, 15]
    assert [t.frames_tracked for t in tracker.tracks(include_short=True)] == [40, 14, 15]


def test_duplicate_detection_of_one_person_is_suppressed() -> None:
    rng = np.random.default_rng(3)
    frames = []
    for i in range(30):
        main = person(centre_x=500 + 3 * i, top_y=200, height=400, visibility=0.95)
        twin = person(centre_x=500 + 3 * i, top_y=200, height=400, visibility=0.8, rng=rng, jitter_px=4)
        frames.append([twin, main])
    tracker, ids = _run(frames)
    assert all(frame_ids == [None, 1] for frame_ids in ids)
    assert len(tracker.tracks()) == 1


def test_a_squashed_partial_skeleton_does_not_take_over_a_track() -> None:
    """MediaPipe sometimes reads the legs alone as a whole body: 60% height, same place."""
    frames: list[list[PersonPose]] = []
    for i in range(40):
        full = person(centre_x=600 - 8 * i, top_y=200, height=400)
        partial = person(centre_x=600 - 8 * i, top_y=360, height=240, visibility=0.97)
        frames.append([partial] if i == 20 else ([full, partial] if i == 21 else [full]))
    tracker, ids = _run(frames)
    assert ids[21][0] == 1 and ids[21][1] != 1
    assert ids[20] != [1]
    assert tracker.tracks()[0].frames_tracked == 39


def test_noisy_landmarks_do_not_break_a_walking_track() -> None:
    rng = np.random.default_rng(7)
    frames = [[person(centre_x=100 + 9 * i, top_y=220, height=380, rng=rng, jitter_px=6)] for i in range(120)]
    _, ids = _run(frames)
    assert {i for frame_ids in ids for i in frame_ids} == {1}


def test_frames_must_be_given_in_order() -> None:
    tracker = PoseTracker(sampling_rate_hz=FPS, frame_size_px=FRAME)
    tracker.update([], frame_index=3)
    with pytest.raises(ValueError, match="must increase"):
        tracker.update([], frame_index=3)


@pytest.mark.parametrize(
    "kwargs",
    [{"min_similarity": 0.0}, {"duplicate_iou": 1.5}, {"velocity_window_s": 0.0}, {"size_tolerance": -1.0}],
)
def test_config_rejects_impossible_settings(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        TrackerConfig(**kwargs)  # type: ignore[arg-type]


def test_identities_are_independent_of_detection_order_in_a_crowd() -> None:
    rng = np.random.default_rng(11)
    paths = [(150, 6), (500, -4), (900, 2)]
    frames = []
    truth = []
    for i in range(60):
        people = [
            (k, person(centre_x=x0 + v * i, top_y=150 + 60 * k, height=360 - 40 * k))
            for k, (x0, v) in enumerate(paths)
        ]
        order = rng.permutation(len(people))
        frames.append([people[k][1] for k in order])
        truth.append([people[k][0] for k in order])
    _, ids = _run(frames)
    mapping: dict[int, set[int | None]] = defaultdict(set)
    for frame_truth, frame_ids in zip(truth, ids, strict=True):
        for who, assigned in zip(frame_truth, frame_ids, strict=True):
            mapping[who].add(assigned)
    assert all(len(assigned) == 1 for assigned in mapping.values())
    assert len({next(iter(v)) for v in mapping.values()}) == 3
