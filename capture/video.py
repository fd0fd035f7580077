"""Video decoding with OpenCV (FFmpeg backend): mp4, webm, mov, avi with H.264, VP9 and the usual codecs.

Frames come out as displayed: rotation metadata (phones record portrait video as landscape plus a
rotation flag) is applied, and ``width``/``height`` describe the rotated frame. Timestamps come
from the container's frame rate: frame ``i`` is at ``i / sampling_rate_hz`` seconds.

Every way a file can be unusable maps to one :class:`VideoError` subclass whose message is one
sentence a therapist can act on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self, cast

import cv2
import numpy as np
from numpy.typing import NDArray

from capture.native import quiet_native_stderr

# Leading bytes of the containers we accept, to tell "damaged video" from "not a video at all".
_CONTAINER_SIGNATURES: tuple[tuple[int, bytes], ...] = (
    (4, b"ftyp"),  # MP4 / MOV (ISO base media)
    (4, b"moov"),  # old QuickTime without ftyp
    (4, b"mdat"),
    (4, b"wide"),
    (4, b"free"),
    (0, b"\x1a\x45\xdf\xa3"),  # Matroska / WebM (EBML)
    (0, b"RIFF"),  # AVI
)
# A container's frame count is an estimate for some formats; allow this much slack before
# calling a file truncated.
_TRUNCATION_TOLERANCE_FRAMES = 3
_TRUNCATION_TOLERANCE_FRACTION = 0.02
_MAX_PLAUSIBLE_SAMPLING_RATE_HZ = 1000.0


class VideoError(Exception):
    """A video file cannot be used. ``str(error)`` is one sentence for the user."""


class VideoNotFoundError(VideoError):
    pass


class EmptyVideoError(VideoError):
    pass


class NotAVideoError(VideoError):
    pass


class CorruptVideoError(VideoError):
    pass


class TruncatedVideoError(CorruptVideoError):
    """The stream ends well before the container's frame count (cut off, or damaged part-way)."""

    pass


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video, with sizes after rotation.

    ``frame_count`` is the container's count (an estimate for some formats); the number of frames
    actually decoded is known only after reading.
    """

    path: Path
    sampling_rate_hz: float
    frame_count: int
    width: int
    height: int
    rotation_deg: int
    codec: str

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.sampling_rate_hz


@dataclass(frozen=True)
class Frame:
    """One decoded frame: ``bgr`` is ``(height, width, 3)`` uint8 in OpenCV's BGR order."""

    index: int
    timestamp_s: float
    bgr: NDArray[np.uint8]

    @property
    def timestamp_ms(self) -> int:
        return round(self.timestamp_s * 1000.0)

    def rgb(self) -> NDArray[np.uint8]:
        return cast(NDArray[np.uint8], cv2.cvtColor(self.bgr, cv2.COLOR_BGR2RGB))


def _looks_like_video_container(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(16)
    return any(head[offset : offset + len(sig)] == sig for offset, sig in _CONTAINER_SIGNATURES)


def _fourcc_text(value: float) -> str:
    code = int(value)
    text = "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4))
    return text if text.isprintable() and text.strip() else "unknown"


class VideoReader:
    """Open ``path`` and iterate over its frames; use as a context manager.

    Raises a :class:`VideoError` subclass at construction for a missing, empty, non-video or
    undecodable file, and during iteration (:class:`TruncatedVideoError`) when the stream ends well
    before the container's frame count.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        name = self.path.name
        if not self.path.exists():
            raise VideoNotFoundError(f"The video file {name} does not exist.")
        if not self.path.is_file():
            raise NotAVideoError(f"{name} is a folder, not a video file.")
        if self.path.stat().st_size == 0:
            raise EmptyVideoError(f"The video file {name} is empty (0 bytes).")
        is_container = _looks_like_video_container(self.path)
        with quiet_native_stderr():
            capture = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG)
        if not capture.isOpened():
            capture.release()
            if is_container:
                raise CorruptVideoError(
                    f"The video file {name} is damaged or incomplete and cannot be opened; record or export it again."
                )
            raise NotAVideoError(f"{name} is not a video file OpenCV can read (use mp4, webm, mov or avi).")
        # Apply the rotation flag while decoding so frames come out upright.
        capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
        self._capture = capture
        sampling_rate_hz = float(capture.get(cv2.CAP_PROP_FPS))
        if (
            not np.isfinite(sampling_rate_hz)
            or sampling_rate_hz <= 0.0
            or sampling_rate_hz > _MAX_PLAUSIBLE_SAMPLING_RATE_HZ
        ):
            self.close()
            raise CorruptVideoError(
                f"The video file {name} has no valid frame rate, so its timing cannot be trusted."
            )
        ok, first = capture.read()
        if not ok or first is None:
            self.close()
            if is_container:
                raise CorruptVideoError(f"The video file {name} contains no frame that can be decoded.")
            raise NotAVideoError(f"{name} is not a video file OpenCV can read (use mp4, webm, mov or avi).")
        self._first: NDArray[np.uint8] | None = cast(NDArray[np.uint8], first)
        height, width = first.shape[:2]
        self.info = VideoInfo(
            path=self.path,
            sampling_rate_hz=sampling_rate_hz,
            frame_count=max(int(capture.get(cv2.CAP_PROP_FRAME_COUNT)), 0),
            width=int(width),
            height=int(height),
            rotation_deg=int(capture.get(cv2.CAP_PROP_ORIENTATION_META)) % 360,
            codec=_fourcc_text(capture.get(cv2.CAP_PROP_FOURCC)),
        )
        self.frames_read = 0

    def __iter__(self) -> Iterator[Frame]:
        sampling_rate_hz = self.info.sampling_rate_hz
        index = 0
        while True:
            if self._first is not None:
                bgr, self._first = self._first, None
            else:
                ok, decoded = self._capture.read()
                if not ok or decoded is None:
                    break
                bgr = cast(NDArray[np.uint8], decoded)
            yield Frame(index=index, timestamp_s=index / sampling_rate_hz, bgr=bgr)
            index += 1
            self.frames_read = index
        self._check_complete(index)

    def _check_complete(self, decoded: int) -> None:
        expected = self.info.frame_count
        slack = max(_TRUNCATION_TOLERANCE_FRAMES, round(_TRUNCATION_TOLERANCE_FRACTION * expected))
        if expected > 0 and decoded < expected - slack:
            raise TruncatedVideoError(
                f"The video file {self.path.name} ends after {decoded} of its {expected} frames; "
                "it is damaged or was cut off while copying or uploading."
            )

    def close(self) -> None:
        self._capture.release()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def probe(path: str | Path) -> VideoInfo:
    """Container facts for ``path`` (decodes one frame to learn the displayed size)."""
    with VideoReader(path) as reader:
        return reader.info
