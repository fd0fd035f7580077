"""Small synthetic videos written with OpenCV, for upload tests (no real footage needed)."""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np


def write_video(
    path: Path, *, width_px: int, height_px: int, fps: float, frames: int, fourcc: str = "mp4v"
) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (width_px, height_px))
    assert writer.isOpened(), f"OpenCV cannot write {fourcc} {width_px}x{height_px}"
    frame = np.zeros((height_px, width_px, 3), np.uint8)
    for i in range(frames):
        frame[:] = (i * 7) % 255
        writer.write(frame)
    writer.release()
    return path


def free_box_header(payload_bytes: int) -> bytes:
    """An MP4 ``free`` box header: readers skip its payload, so a valid clip can be made any size."""
    return struct.pack(">I4s", payload_bytes + 8, b"free")


def padded_mp4(path: Path, *, payload_bytes: int, seed: bytes = b"") -> Path:
    """A one-second 64x48 clip followed by a ``free`` box of ``payload_bytes`` (``seed`` first, then zeros)."""
    write_video(path, width_px=64, height_px=48, fps=30, frames=30)
    with path.open("ab") as out:
        out.write(free_box_header(payload_bytes))
        out.write(seed[:payload_bytes])
        left = payload_bytes - len(seed[:payload_bytes])
        zeros = bytes(1024 * 1024)
        while left > 0:
            out.write(zeros[: min(left, len(zeros))])
            left -= min(left, len(zeros))
    return path
