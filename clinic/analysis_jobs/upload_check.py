"""Is an uploaded file a usable video of bounded cost? Checked before anything is stored or queued.

The checks are cheap compared with an analysis, and run cheapest first: the extension names an
accepted container and the size is within the limit; then the container's header (OpenCV opens
the file, which reads the header but decodes no frame: an 8192x8192 frame would cost ~200 MB
decoded) gives the frame rate, frame count and frame size, each bounded by :class:`VideoLimits`
(defaults in the settings, ``MAX_VIDEO_*``); only then :class:`capture.video.VideoReader` decodes
the first frame (refusing empty files, text renamed to ``.mp4`` and files without a decodable
frame), and the last frames the container announces are decoded too, which refuses a file cut off
while copying or uploading without decoding it all. Every refusal is one sentence for the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2

from capture.native import quiet_native_stderr
from capture.video import VideoError, VideoReader

MEDIA_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
    ".avi": "video/x-msvideo",
}
# As capture.video: a container's frame count is an estimate for some formats.
_TAIL_SLACK_FRAMES = 3
_TAIL_SLACK_FRACTION = 0.02


class UploadRefused(ValueError):
    """The file is not accepted; ``str(error)`` is one sentence for the user."""


@dataclass(frozen=True, kw_only=True)
class VideoLimits:
    """What one analysis may cost: pose estimation time grows with frames x pixels.

    ``max_pixels`` bounds width x height (either orientation); 3840x2160 = 8,294,400.
    """

    max_duration_s: float = 600.0
    max_sampling_rate_hz: float = 240.0
    max_frames: int = 36_000
    max_pixels: int = 3840 * 2160


@dataclass(frozen=True)
class CheckedVideo:
    media_type: str
    sampling_rate_hz: float
    frame_count: int
    width: int
    height: int
    duration_s: float


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size < 1e9 else f"{size / 1e9:.2f} GB"


def check_name_and_size(name: str, *, size_bytes: int, max_bytes: int) -> str:
    """The media type for ``name``, or UploadRefused for a wrong type, an empty or a too large file."""
    suffix = Path(name).suffix.lower()
    if suffix not in MEDIA_TYPES:
        raise UploadRefused(f"{name} is not a video we accept; upload an MP4, WebM, MOV or AVI file.")
    if size_bytes <= 0:
        raise UploadRefused(f"{name} is empty (0 bytes).")
    if size_bytes > max_bytes:
        raise UploadRefused(
            f"{name} is {_megabytes(size_bytes)}; the largest video accepted is {_megabytes(max_bytes)}."
        )
    return MEDIA_TYPES[suffix]


def _tail_decodes(path: Path, frame_count: int) -> bool:
    slack = max(_TAIL_SLACK_FRAMES, round(_TAIL_SLACK_FRACTION * frame_count))
    start = frame_count - slack - 1
    if start <= 0:
        return True  # a very short clip: the first frame was decoded already
    with quiet_native_stderr():
        capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        try:
            capture.set(cv2.CAP_PROP_POS_FRAMES, start)
            return bool(capture.grab())
        finally:
            capture.release()


def _header(path: Path) -> tuple[float, int, int, int] | None:
    """(sampling_rate_hz, frame count, width, height) from the container header, or None if OpenCV cannot open it.

    Opening reads the header and stream parameters only; no frame is decoded here.
    """
    with quiet_native_stderr():
        capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    try:
        if not capture.isOpened():
            return None
        return (
            float(capture.get(cv2.CAP_PROP_FPS)),
            int(capture.get(cv2.CAP_PROP_FRAME_COUNT)),
            int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        )
    finally:
        capture.release()


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    if not minutes:
        return f"{seconds:.1f} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def check_limits(
    name: str,
    *,
    sampling_rate_hz: float,
    frame_count: int,
    width_px: int,
    height_px: int,
    limits: VideoLimits,
) -> None:
    """UploadRefused (one sentence) when the header's numbers exceed ``limits``.

    A frame count or frame rate the header does not state (0 or less) is not judged here: the
    decoder refuses a missing frame rate, and the worker stops at ``max_frames`` decoded frames.
    """
    pixels = width_px * height_px
    if pixels > limits.max_pixels:
        example_w = round((limits.max_pixels * 16 / 9) ** 0.5)
        raise UploadRefused(
            f"{name} is {width_px}x{height_px} pixels; the largest frame accepted is "
            f"{limits.max_pixels / 1e6:.1f} megapixels (about {example_w}x{round(example_w * 9 / 16)}), "
            "so export it at a lower resolution."
        )
    if sampling_rate_hz > limits.max_sampling_rate_hz:
        raise UploadRefused(
            f"{name} has {sampling_rate_hz:g} frames per second; the highest frame rate accepted is {limits.max_sampling_rate_hz:g}."
        )
    if frame_count > limits.max_frames:
        raise UploadRefused(
            f"{name} has {frame_count} frames; the most accepted is {limits.max_frames}, "
            "so trim it to the movement you want analysed."
        )
    if sampling_rate_hz > 0 and frame_count / sampling_rate_hz > limits.max_duration_s:
        raise UploadRefused(
            f"{name} lasts {_duration(frame_count / sampling_rate_hz)}; the longest video accepted is "
            f"{_duration(limits.max_duration_s)}, so trim it to the movement you want analysed."
        )


def check_video(
    path: Path, *, name: str, size_bytes: int, max_bytes: int, limits: VideoLimits | None = None
) -> CheckedVideo:
    """Accept or refuse the upload stored at ``path`` (named ``name`` by the user)."""
    media_type = check_name_and_size(name, size_bytes=size_bytes, max_bytes=max_bytes)
    header = _header(path)
    if header is not None:  # else VideoReader below says why the file cannot be opened
        sampling_rate_hz, frame_count, width, height = header
        check_limits(
            name, sampling_rate_hz=sampling_rate_hz, frame_count=frame_count, width_px=width, height_px=height,
            limits=limits or VideoLimits(),
        )  # fmt: skip
    try:
        with VideoReader(path) as reader:
            info = reader.info
    except VideoError as exc:
        raise UploadRefused(_with_name(str(exc), path.name, name)) from exc
    if not _tail_decodes(path, info.frame_count):
        raise UploadRefused(
            f"{name} ends before its last frames; it is damaged or was cut off while copying or uploading."
        )
    return CheckedVideo(
        media_type=media_type,
        sampling_rate_hz=info.sampling_rate_hz,
        frame_count=info.frame_count,
        width=info.width,
        height=info.height,
        duration_s=info.duration_s,
    )


def _with_name(message: str, stored: str, name: str) -> str:
    """The decoder's sentence names the temporary file; show the user's file name instead."""
    return message.replace(stored, name)
