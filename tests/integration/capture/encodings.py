"""Re-encodings of a shared clip for the encoding matrix: other codecs, rates, sizes, a mirror, a lead-in.

Each :class:`Variant` is made from the original file by the FFmpeg command-line tool when it is
installed with the variant's encoder (``ffmpeg -encoders``), or else by OpenCV's own FFmpeg build
(``cv2.VideoWriter``) where that has the codec (VP8, VP9, MJPEG and MPEG-4 part 2 in the wheels).
:func:`make_variant` says which encoder it lacks with :class:`EncoderMissing`; the tests skip
with that message, or fail under ``CI=true``.

Quality settings keep every variant visually unchanged (constant-quality modes near transparent),
so any change of the measures is the encoding's, not a visibly different picture.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

Frame = NDArray[np.uint8]


class EncoderMissing(RuntimeError):
    """Neither the FFmpeg tool nor OpenCV on this machine can write the variant."""


@dataclass(frozen=True)
class Variant:
    """A re-encoding: ``codec`` is an FFmpeg encoder name, ``args`` its quality options,
    ``filters`` an FFmpeg ``-vf`` chain (empty: frames unchanged), ``fourcc`` OpenCV's tag
    for the same codec (None: OpenCV cannot write it)."""

    name: str
    suffix: str
    codec: str
    args: tuple[str, ...] = ()
    filters: str = ""
    fourcc: str | None = None
    fps: float | None = None
    size: tuple[int, int] | None = None
    mirror: bool = False
    black_s: float = 0.0
    description: str = field(default="", compare=False)


_H264 = ("-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p")

# libvpx's "realtime" deadline adapts its effort to the time each frame took to encode, so the
# same command gives a different clip on a loaded machine (the decoded frames differed between
# two runs here, and one CI run got a VP8 clip on which the walker's track was lost at 4.9 s).
# The "good" deadline gives the same frames every time, so each variant is one fixed clip.

VARIANTS: tuple[Variant, ...] = (
    Variant(
        "vp8_webm",
        ".webm",
        "libvpx",
        ("-crf", "8", "-b:v", "8M", "-deadline", "good", "-cpu-used", "4"),
        fourcc="VP80",
    ),
    Variant(
        "vp9_webm",
        ".webm",
        "libvpx-vp9",
        ("-crf", "28", "-b:v", "0", "-deadline", "good", "-cpu-used", "5", "-row-mt", "1"),
        fourcc="VP90",
    ),
    Variant("h264_mov", ".mov", "libx264", _H264),
    Variant(
        "h265_mp4",
        ".mp4",
        "libx265",
        ("-preset", "ultrafast", "-crf", "20", "-tag:v", "hvc1", "-pix_fmt", "yuv420p"),
    ),
    Variant("mjpeg_avi", ".avi", "mjpeg", ("-q:v", "3", "-pix_fmt", "yuvj420p"), fourcc="MJPG"),
    Variant("fps15", ".mp4", "libx264", _H264, filters="fps=15", fourcc="mp4v", fps=15.0),
    Variant("fps24", ".mp4", "libx264", _H264, filters="fps=24", fourcc="mp4v", fps=24.0),
    Variant("fps60", ".mp4", "libx264", _H264, filters="fps=60", fourcc="mp4v", fps=60.0),
    Variant("320x180", ".mp4", "libx264", _H264, filters="scale=320:180", fourcc="mp4v", size=(320, 180)),
    Variant(
        "3840x2160", ".mp4", "libx264", _H264, filters="scale=3840:2160", fourcc="mp4v", size=(3840, 2160)
    ),
    Variant("mirrored", ".mp4", "libx264", _H264, filters="hflip", fourcc="mp4v", mirror=True),
    Variant(
        "black_3s_first",
        ".mp4",
        "libx264",
        _H264,
        filters="tpad=start_duration=3:color=black",
        fourcc="mp4v",
        black_s=3.0,
    ),
)
BY_NAME = {v.name: v for v in VARIANTS}


@cache
def ffmpeg_encoders() -> frozenset[str]:
    """Encoder names of the FFmpeg tool on the PATH (empty when it is not installed)."""
    tool = shutil.which("ffmpeg")
    if tool is None:
        return frozenset()
    out = subprocess.run(
        [tool, "-hide_banner", "-encoders"], capture_output=True, text=True, check=True
    ).stdout
    return frozenset(
        line.split()[1] for line in out.splitlines() if line[:1] == " " and len(line.split()) > 1
    )


def make_variant(source: Path, variant: Variant, out_dir: Path) -> Path:
    """Write ``variant`` of ``source`` into ``out_dir``; raises :class:`EncoderMissing`."""
    target = out_dir / f"{source.stem}.{variant.name}{variant.suffix}"
    if variant.codec in ffmpeg_encoders():
        command = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), "-an"]
        if variant.filters:
            command += ["-vf", variant.filters]
        command += ["-c:v", variant.codec, *variant.args, str(target)]
        subprocess.run(command, check=True, capture_output=True, timeout=900)
        return target
    if variant.fourcc is not None and _opencv_writes(variant.fourcc, variant.suffix):
        _write_with_opencv(source, variant, target)
        return target
    raise EncoderMissing(
        f"no encoder for {variant.name}: the ffmpeg tool with {variant.codec} is not installed"
        + ("" if variant.fourcc is None else f" and OpenCV cannot write {variant.fourcc}")
        + " (Debian: apt-get install ffmpeg)"
    )


@cache
def _opencv_writes(fourcc: str, suffix: str) -> bool:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / f"probe{suffix}")
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), 30.0, (64, 64))
        ok = writer.isOpened()
        if ok:
            writer.write(np.zeros((64, 64, 3), np.uint8))
        writer.release()
        return ok and Path(path).stat().st_size > 0


def _write_with_opencv(source: Path, variant: Variant, target: Path) -> None:
    """The same variant through OpenCV: frames transformed here as FFmpeg's filters would
    (nearest frame in time for a new rate, area resampling for a new size)."""
    capture = cv2.VideoCapture(str(source), cv2.CAP_FFMPEG)
    rate = float(capture.get(cv2.CAP_PROP_FPS))
    frames: list[Frame] = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    height, width = frames[0].shape[:2]
    out_rate = variant.fps or rate
    size = variant.size or (width, height)
    transform: Callable[[Frame], Frame] = lambda f: f  # noqa: E731
    if variant.size is not None:
        transform = lambda f: cv2.resize(f, size, interpolation=cv2.INTER_AREA)  # noqa: E731
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter_fourcc(*(variant.fourcc or "mp4v")), out_rate, size)
    black = np.zeros((size[1], size[0], 3), np.uint8)
    for _ in range(round(variant.black_s * out_rate)):
        writer.write(black)
    count = round(len(frames) * out_rate / rate)
    for k in range(count):
        frame = frames[min(len(frames) - 1, round(k * rate / out_rate))]
        frame = transform(frame)
        writer.write(np.ascontiguousarray(frame[:, ::-1]) if variant.mirror else frame)
    writer.release()
