"""Still images that show a clinician which person was analysed (OpenCV; no Django).

For every tracked person, :func:`person_stills` makes

* a *still*: the full video frame of the person's first good frame (:mod:`capture.people`), the
  same size as the video, with that person's skeleton drawn and labelled "person N", and a labelled
  box around everyone else seen in that frame, so the people can be told apart;
* a *crop*: the part of the still around that person (their landmarks' box plus a margin),
  scaled to :data:`CROP_HEIGHT_PX` pixels high, for the list of other people.

Without a video frame (a live recording stores landmarks only, or the uploaded video was deleted)
the skeleton is drawn on a blank canvas of the video's size, with a line saying so
(:data:`LANDMARKS_ONLY_NOTE`). Images are JPEG; the same pixels always encode to the same bytes,
so a retried task stores one file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, cast

import cv2
import numpy as np
from numpy.typing import NDArray

from capture.landmarks import SKELETON_EDGES
from capture.people import DEFAULT_MIN_VISIBILITY, PersonDescription, core_visible_count
from capture.sequence import LandmarkSequence
from capture.video import VideoReader

Image = NDArray[np.uint8]
CROP_HEIGHT_PX: Final = 160
# The crop keeps this share of the person's box height around it, so the whole body shows.
CROP_MARGIN: Final = 0.2
JPEG_QUALITY: Final = 85
LANDMARKS_ONLY_NOTE: Final = "Drawn from the landmarks: no video frame is stored for this recording."
_SUBJECT_BGR: Final = (60, 200, 60)
_OTHER_BGR: Final = (0, 160, 255)
_CANVAS_GREY: Final = 40
_FONT: Final = cv2.FONT_HERSHEY_SIMPLEX


@dataclass(frozen=True, kw_only=True)
class PersonStill:
    """JPEG bytes of one person's still and crop; ``frame`` is the frame shown (0-based)."""

    person_id: int
    frame: int
    from_video: bool
    still_jpeg: bytes
    crop_jpeg: bytes


class StillFrames:
    """The video frames the stills will need, kept during the pose pass so that the video is not
    decoded a second time for them (on a 1768x994 clip, decoding up to a late person's frame took
    as long as a sixth of the whole analysis).

    A person's first good frame (:mod:`capture.people`) is the first frame with the most core
    landmarks seen. The pass does not know its people yet, only the tracker's pieces of them, so
    each piece keeps its own first frame with its most core landmarks: a person's good frame is the
    earliest such frame of their pieces with the person's most. At most ``max_bytes`` of frames are
    held (the tracker makes a piece for every fragment of a person, 20 or more on a busy clip, and a
    frame of a 4K video is 25 MB: 256 MB is about 48 frames of 1768x994 or 10 of 4K); a frame not
    kept, or one that a second pass added (capture.refine's backfill), is decoded afterwards by
    :func:`frames_at`.
    """

    def __init__(
        self, *, max_bytes: int = 256 * 2**20, min_visibility: float = DEFAULT_MIN_VISIBILITY
    ) -> None:
        self._max_bytes = max_bytes
        self._min_visibility = min_visibility
        self._best: dict[int, tuple[int, int]] = {}  # piece -> (core landmarks seen, frame)
        self._frames: dict[int, Image] = {}

    def offer(self, *, frame_index: int, bgr: Image, piece: int, image: NDArray[np.float64]) -> None:
        """One detection of tracker piece ``piece`` in a frame (``image``: its ``(33, 4)`` landmarks)."""
        count = int(core_visible_count(image, min_visibility=self._min_visibility))
        best = self._best.get(piece)
        if count == 0 or (best is not None and count <= best[0]):
            return
        self._best[piece] = (count, frame_index)
        if frame_index in self._frames:
            return
        if self._held_bytes() + bgr.nbytes > self._max_bytes:
            self._frames = self.frames()  # drop the frames no piece points to any more
        if self._held_bytes() + bgr.nbytes <= self._max_bytes:
            self._frames[frame_index] = bgr.copy()

    def _held_bytes(self) -> int:
        return sum(f.nbytes for f in self._frames.values())

    def frames(self) -> dict[int, Image]:
        """The kept frames some piece still points to."""
        wanted = {frame for _, frame in self._best.values()}
        return {i: f for i, f in self._frames.items() if i in wanted}


def frames_at(path: str | Path, indices: Iterable[int]) -> dict[int, Image]:
    """The BGR frames of ``path`` at ``indices`` (0-based), decoding no further than the last one.

    Frames are decoded in order rather than by seeking: seeking in compressed video lands on the
    nearest key frame in some containers, and the landmarks belong to exact frame numbers.
    """
    wanted = {i for i in indices if i >= 0}
    found: dict[int, Image] = {}
    if not wanted:
        return found
    last = max(wanted)
    with VideoReader(path) as reader:
        for frame in reader:
            if frame.index in wanted:
                found[frame.index] = frame.bgr.copy()
            if frame.index >= last:
                break
    return found


def person_stills(
    sequence: LandmarkSequence,
    people: list[PersonDescription],
    *,
    frames: dict[int, Image] | None,
    min_visibility: float = DEFAULT_MIN_VISIBILITY,
) -> list[PersonStill]:
    """One :class:`PersonStill` per person with a good frame (see the module docstring).

    ``frames`` maps frame numbers to BGR video frames (:func:`frames_at`); ``None`` or a missing
    frame draws on a blank canvas.
    """
    stills = []
    for person in people:
        if person.good_frame < 0:
            continue  # never seen well enough to draw
        video_frame = (frames or {}).get(person.good_frame)
        picture = draw_still(
            sequence,
            person_id=person.id,
            frame_index=person.good_frame,
            frame_bgr=video_frame,
            min_visibility=min_visibility,
        )
        row = sequence.person_ids.index(person.id)
        crop = crop_person(picture, sequence.image[row, person.good_frame])
        stills.append(
            PersonStill(
                person_id=person.id,
                frame=person.good_frame,
                from_video=video_frame is not None,
                still_jpeg=encode_jpeg(picture),
                crop_jpeg=encode_jpeg(crop),
            )
        )
    return stills


def draw_still(
    sequence: LandmarkSequence,
    *,
    person_id: int,
    frame_index: int,
    frame_bgr: Image | None,
    min_visibility: float = DEFAULT_MIN_VISIBILITY,
) -> Image:
    """The frame (or a blank canvas of the video's size) with ``person_id``'s skeleton and a
    labelled box around every other person seen in that frame."""
    size = (sequence.height_px, sequence.width_px)
    if frame_bgr is None:
        picture = np.full((*size, 3), _CANVAS_GREY, dtype=np.uint8)
    else:
        picture = np.ascontiguousarray(frame_bgr, dtype=np.uint8).copy()
    scale = max(picture.shape[:2]) / 1000.0  # line widths and text follow the picture's size
    for row, other in enumerate(sequence.person_ids):
        if other != person_id:
            _box(picture, sequence.image[row, frame_index], label=f"person {other}", scale=scale)
    row = sequence.person_ids.index(person_id)
    landmarks = sequence.image[row, frame_index]
    _skeleton(picture, landmarks, min_visibility=min_visibility, scale=scale)
    _box(picture, landmarks, label=f"person {person_id}", scale=scale, colour=_SUBJECT_BGR)
    if frame_bgr is None:
        _text(
            picture, LANDMARKS_ONLY_NOTE, (int(10 * scale) + 4, picture.shape[0] - int(12 * scale) - 4), scale
        )
    return picture


def crop_person(picture: Image, landmarks: NDArray[np.float64]) -> Image:
    """The part of ``picture`` around ``landmarks`` ((33, 4) pixels), :data:`CROP_HEIGHT_PX` high."""
    box = _bounds(landmarks)
    height, width = picture.shape[:2]
    if box is None:
        x0, y0, x1, y1 = 0, 0, width, height
    else:
        left, top, right, bottom = box
        margin = CROP_MARGIN * max(bottom - top, right - left, 1.0)
        x0, y0 = max(int(left - margin), 0), max(int(top - margin), 0)
        x1, y1 = min(int(right + margin) + 1, width), min(int(bottom + margin) + 1, height)
        if x1 <= x0 or y1 <= y0:  # the person is outside the picture: show it whole
            x0, y0, x1, y1 = 0, 0, width, height
    part = picture[y0:y1, x0:x1]
    scaled_width = max(1, round(part.shape[1] * CROP_HEIGHT_PX / part.shape[0]))
    out = cast(Image, cv2.resize(part, (scaled_width, CROP_HEIGHT_PX), interpolation=cv2.INTER_AREA))
    return out


def encode_jpeg(picture: Image, *, quality: int = JPEG_QUALITY) -> bytes:
    ok, data = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("OpenCV could not encode the still as JPEG")
    return bytes(data.tobytes())


def _bounds(landmarks: NDArray[np.float64]) -> tuple[float, float, float, float] | None:
    xy = landmarks[:, :2]
    xy = xy[np.isfinite(xy).all(axis=1)]
    if xy.size == 0:
        return None
    return float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max())


def _point(xy: NDArray[np.float64]) -> tuple[int, int]:
    return round(float(xy[0])), round(float(xy[1]))


def _skeleton(picture: Image, landmarks: NDArray[np.float64], *, min_visibility: float, scale: float) -> None:
    shown = np.isfinite(landmarks[:, :2]).all(axis=1) & (np.nan_to_num(landmarks[:, 3]) >= min_visibility)
    thickness = max(2, round(4 * scale))
    for a, b in SKELETON_EDGES:
        if shown[a] and shown[b]:
            cv2.line(
                picture, _point(landmarks[a]), _point(landmarks[b]), _SUBJECT_BGR, thickness, cv2.LINE_AA
            )
    for index in np.flatnonzero(shown):
        cv2.circle(picture, _point(landmarks[index]), thickness + 1, (255, 255, 255), -1, cv2.LINE_AA)


def _box(
    picture: Image,
    landmarks: NDArray[np.float64],
    *,
    label: str,
    scale: float,
    colour: tuple[int, int, int] = _OTHER_BGR,
) -> None:
    box = _bounds(landmarks)
    if box is None:
        return  # not seen in this frame
    left, top, right, bottom = (round(v) for v in box)
    cv2.rectangle(picture, (left, top), (right, bottom), colour, max(1, round(2 * scale)), cv2.LINE_AA)
    _text(picture, label, (left, max(top - int(8 * scale), int(20 * scale) + 2)), scale, colour=colour)


def _text(
    picture: Image,
    text: str,
    origin: tuple[int, int],
    scale: float,
    *,
    colour: tuple[int, int, int] = (255, 255, 255),
) -> None:
    size, thickness = 0.6 * scale + 0.3, max(1, round(2 * scale))
    # A dark outline under the text keeps it readable on any background.
    cv2.putText(picture, text, origin, _FONT, size, (0, 0, 0), thickness + 2, cv2.LINE_AA)
    cv2.putText(picture, text, origin, _FONT, size, colour, thickness, cv2.LINE_AA)
