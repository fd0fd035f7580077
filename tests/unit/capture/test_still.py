"""Stills of the people in a clip: frames at exact numbers, the skeleton drawn where the landmarks
are, boxes around the others, crops, blank canvases, deterministic JPEG."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from capture.landmarks import LANDMARK_INDEX
from capture.people import describe_people
from capture.still import (
    CROP_HEIGHT_PX,
    CROP_MARGIN,
    crop_person,
    draw_still,
    encode_jpeg,
    frames_at,
    person_stills,
)
from capture.video import VideoReader
from tests.unit.capture.two_people import HEIGHT, WALKER_GOOD, WIDTH, two_people, walker_centre_x
from tests.unit.capture.videos import frame_with_marker, write_video

_L = LANDMARK_INDEX


def _decode(data: bytes) -> np.ndarray:
    picture = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert picture is not None, "not a JPEG OpenCV can read"
    return picture


def test_frames_at_returns_exactly_the_numbered_frames(tmp_path: Path) -> None:
    video = write_video(
        tmp_path / "clip.avi", frames=20, width=160, height=120
    )  # MJPG: every frame a key frame
    with VideoReader(video) as reader:
        every = {f.index: f.bgr.copy() for f in reader}
    found = frames_at(video, [3, 11, 3, -1])
    assert sorted(found) == [3, 11]
    for index, frame in found.items():
        np.testing.assert_array_equal(frame, every[index])
    # Grey level 8*index (tests/unit/capture/videos.py), so frame 11 is not frame 3.
    assert abs(int(found[11][100, 100, 0]) - 88) <= 3 and abs(int(found[3][100, 100, 0]) - 24) <= 3
    assert frames_at(video, []) == {}


def test_the_subjects_skeleton_is_drawn_on_the_frame_and_the_other_person_is_boxed() -> None:
    sequence = two_people()
    frame = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)
    picture = draw_still(sequence, person_id=2, frame_index=30, frame_bgr=frame)
    assert picture.shape == frame.shape and frame[0, 0, 0] == 128  # the caller's frame is not drawn on
    walker = sequence.image[1, 30]
    # Half-way along her left thigh (hip to knee) the line is the skeleton's green (BGR 60, 200, 60).
    mid = (walker[_L["left_hip"], :2] + walker[_L["left_knee"], :2]) / 2
    b, g, r = picture[round(mid[1]), round(mid[0])].astype(int)
    assert g > 150 and b < 120 and r < 120
    # The bystander (person 1) gets an orange box (BGR 0, 160, 255) through his leftmost landmark.
    bystander = sequence.image[0, 30]
    left = round(float(np.nanmin(bystander[:, 0])))
    mid_y = round(float(np.nanmean(bystander[:, 1])))
    b, g, r = picture[mid_y, left].astype(int)
    assert r > 200 and 100 < g < 210 and b < 80
    # Far from both people the frame is untouched.
    assert (picture[HEIGHT - 5, WIDTH // 2] == 128).all()


def test_without_a_frame_the_skeleton_is_drawn_on_a_blank_canvas_with_a_note() -> None:
    sequence = two_people()
    picture = draw_still(sequence, person_id=1, frame_index=0, frame_bgr=None)
    assert picture.shape == (HEIGHT, WIDTH, 3)
    assert (picture[5, WIDTH - 5] == 40).all()  # the canvas grey
    # The note is written along the bottom-left: white text pixels there.
    assert (picture[HEIGHT - 30 :, :300] > 200).all(axis=2).any()


def test_the_crop_frames_the_person_with_a_margin_at_a_fixed_height() -> None:
    sequence = two_people()
    frame = frame_with_marker(0, width=WIDTH, height=HEIGHT)
    walker = sequence.image[1, 30]
    crop = crop_person(frame, walker)
    xs, ys = walker[:, 0], walker[:, 1]
    box_h = ys.max() - ys.min()
    margin = CROP_MARGIN * box_h  # she is taller than wide
    expected_w = (xs.max() - xs.min() + 2 * margin + 1) / (box_h + 2 * margin + 1) * CROP_HEIGHT_PX
    assert crop.shape[0] == CROP_HEIGHT_PX
    assert abs(crop.shape[1] - expected_w) <= 2


def test_person_stills_use_each_persons_first_good_frame_and_encode_deterministically() -> None:
    sequence = two_people()
    people, _ = describe_people(sequence)
    frames = {0: np.full((HEIGHT, WIDTH, 3), 90, np.uint8)}  # the walker's frame 15 is not at hand
    stills = {s.person_id: s for s in person_stills(sequence, people, frames=frames)}
    assert (stills[1].frame, stills[1].from_video) == (0, True)
    assert (stills[2].frame, stills[2].from_video) == (WALKER_GOOD, False)
    full = _decode(stills[2].still_jpeg)
    assert full.shape == (HEIGHT, WIDTH, 3)
    # On the blank canvas her skeleton sits where her landmarks are: green at her hip centre line.
    x = round(walker_centre_x(WALKER_GOOD))
    hip_y = round(float(sequence.image[1, WALKER_GOOD, _L["left_hip"], 1]))
    assert full[hip_y, x, 1] > 150
    assert _decode(stills[1].crop_jpeg).shape[0] == CROP_HEIGHT_PX
    again = {s.person_id: s for s in person_stills(sequence, people, frames=frames)}
    assert again[2].still_jpeg == stills[2].still_jpeg and again[1].crop_jpeg == stills[1].crop_jpeg
    assert encode_jpeg(np.zeros((8, 8, 3), np.uint8)) != encode_jpeg(np.full((8, 8, 3), 255, np.uint8))
