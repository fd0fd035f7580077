"""The frames the pose pass keeps for the stills (capture.still.StillFrames): each tracker piece's
first frame with its most core landmarks seen, as capture.people picks a person's first good frame."""

from __future__ import annotations

import numpy as np

from capture.landmarks import NUM_LANDMARKS
from capture.people import CORE_LANDMARKS
from capture.still import StillFrames


def _pose(seen: int) -> np.ndarray:
    """(33, 4) landmarks with the first ``seen`` core landmarks visible (0.9) and the rest not (0.1)."""
    pose = np.zeros((NUM_LANDMARKS, 4))
    pose[:, 3] = 0.1
    pose[list(CORE_LANDMARKS[:seen]), 3] = 0.9
    return pose


def _frame(index: int) -> np.ndarray:
    return np.full((4, 6, 3), index, dtype=np.uint8)


def test_each_piece_keeps_its_first_frame_with_the_most_core_landmarks() -> None:
    keeper = StillFrames()
    for index, (piece, seen) in enumerate([(1, 3), (2, 2), (1, 8), (1, 8), (2, 5), (2, 5)]):
        keeper.offer(frame_index=index, bgr=_frame(index), piece=piece, image=_pose(seen))
    kept = keeper.frames()
    # Piece 1: 8 first at frame 2 (not 3); piece 2: 5 first at frame 4. Frame 0 and 1 were replaced.
    assert sorted(kept) == [2, 4]
    assert (kept[2] == 2).all() and (kept[4] == 4).all()


def test_a_kept_frame_is_a_copy() -> None:
    keeper = StillFrames()
    frame = _frame(7)
    keeper.offer(frame_index=0, bgr=frame, piece=1, image=_pose(8))
    frame[:] = 0  # the decoder reuses its buffer
    assert (keeper.frames()[0] == 7).all()


def test_no_more_than_max_bytes_are_held() -> None:
    keeper = StillFrames(max_bytes=2 * _frame(0).nbytes)
    for piece in range(4):
        keeper.offer(frame_index=piece, bgr=_frame(piece), piece=piece, image=_pose(8))
    assert sorted(keeper.frames()) == [0, 1]  # the others are decoded afterwards (frames_at)
    # A frame no piece points to any more makes room.
    keeper.offer(frame_index=9, bgr=_frame(9), piece=0, image=_pose(8))  # not more seen: ignored
    assert sorted(keeper.frames()) == [0, 1]


def test_a_pose_with_no_core_landmark_seen_keeps_nothing() -> None:
    keeper = StillFrames()
    keeper.offer(frame_index=0, bgr=_frame(0), piece=1, image=_pose(0))
    assert keeper.frames() == {}
