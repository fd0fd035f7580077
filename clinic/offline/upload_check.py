"""Is an uploaded file a usable video? Checked before anything is stored or queued.

The checks are cheap compared with an analysis: the extension names an accepted container, the
size is within the limit, :class:`capture.video.VideoReader` opens the file and decodes its first
frame (refusing empty files, text renamed to ``.mp4`` and files without a decodable frame), and
the last frames the container announces are decoded too, which refuses a file cut off while
copying or uploading without decoding it all. Every refusal is one sentence for the user.
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


@dataclass(frozen=True)
class CheckedVideo:
    media_type: str
    fps: float
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


def check_video(path: Path, *, name: str, size_bytes: int, max_bytes: int) -> CheckedVideo:
    """Accept or refuse the upload stored at ``path`` (named ``name`` by the user)."""
    media_type = check_name_and_size(name, size_bytes=size_bytes, max_bytes=max_bytes)
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
        fps=info.fps,
        frame_count=info.frame_count,
        width=info.width,
        height=info.height,
        duration_s=info.duration_s,
    )


def _with_name(message: str, stored: str, name: str) -> str:
    """The decoder's sentence names the temporary file; show the user's file name instead."""
    return message.replace(stored, name)
