"""Small test videos written with OpenCV, and ways to damage them."""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np

# Container -> a codec the OpenCV wheel can write into it.
WRITABLE = {"mp4": "mp4v", "webm": "VP90", "mov": "mp4v", "avi": "MJPG"}


def frame_with_marker(index: int, *, width: int, height: int) -> np.ndarray:
    """Grey level 8*index, with a white block in the top-left corner (to see rotation)."""
    frame = np.full((height, width, 3), (8 * index) % 256, dtype=np.uint8)
    frame[: height // 6, : width // 4] = 255
    return frame


def write_video(
    path: Path, *, frames: int = 20, fps: float = 25.0, width: int = 160, height: int = 120
) -> Path:
    codec = WRITABLE[path.suffix.lstrip(".")]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), fps, (width, height))
    assert writer.isOpened(), f"OpenCV cannot write {codec} into {path.suffix}"
    for i in range(frames):
        writer.write(frame_with_marker(i, width=width, height=height))
    writer.release()
    return path


def set_rotation_90(path: Path) -> None:
    """Rewrite the track header's display matrix of an MP4/MOV to 'rotate 90 degrees clockwise'.

    This is what phones store for portrait video: landscape pixels plus a rotation flag.
    """
    data = bytearray(path.read_bytes())
    at = data.find(b"tkhd")
    assert at > 0, "no track header"
    version = data[at + 4]
    # version/flags, then times, track id, reserved, duration (32- or 64-bit), reserved, layer...
    matrix_at = at + 4 + 4 + (20 if version == 0 else 32) + 8 + 8
    data[matrix_at : matrix_at + 36] = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)
    path.write_bytes(bytes(data))
