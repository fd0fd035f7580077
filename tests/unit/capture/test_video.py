"""Video decoding: containers, codecs, rotation, frame rate, and every way a file can be bad."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from capture.video import (
    CorruptVideoError,
    EmptyVideoError,
    NotAVideoError,
    TruncatedVideoError,
    VideoError,
    VideoNotFoundError,
    VideoReader,
    probe,
)
from tests.unit.capture.videos import set_rotation_90, write_video


@pytest.mark.parametrize("container", ["mp4", "webm", "mov", "avi"])
def test_each_container_decodes_every_frame_at_the_container_frame_rate(
    tmp_path: Path, container: str
) -> None:
    path = write_video(tmp_path / f"clip.{container}", frames=20, fps=12.5, width=160, height=120)
    with VideoReader(path) as reader:
        frames = list(reader)
    assert reader.info.sampling_rate_hz == pytest.approx(12.5)
    assert (reader.info.width, reader.info.height) == (160, 120)
    assert [f.index for f in frames] == list(range(20))
    assert [f.timestamp_s for f in frames] == pytest.approx([i / 12.5 for i in range(20)])
    assert frames[7].timestamp_ms == 560
    # Frame content survives (grey level 8*i, lossy codecs within a few levels).
    assert float(np.median(frames[10].bgr[60:, 80:])) == pytest.approx(80, abs=6)
    assert frames[3].rgb().shape == (120, 160, 3)


@pytest.mark.parametrize(
    ("name", "codec", "fps", "frames", "size"),
    [
        ("squats_front.mp4", "h264", 5.0, 65, (720, 1280)),
        ("walk_side_two_people.mp4", "VP90", 30.0, 230, (1768, 994)),
        ("single_leg_stance.mp4", "VP90", 60.0, 100, (1080, 1920)),
    ],
)
def test_real_h264_and_vp9_clips(
    shared_data: Path, name: str, codec: str, fps: float, frames: int, size: tuple[int, int]
) -> None:
    info = probe(shared_data / "videos" / name)
    assert (info.codec, info.sampling_rate_hz, info.frame_count, (info.width, info.height)) == (
        codec,
        fps,
        frames,
        size,
    )
    assert info.rotation_deg == 0
    assert info.duration_s == pytest.approx(frames / fps)


def test_h264_clip_in_a_mov_container_name_decodes(shared_data: Path, tmp_path: Path) -> None:
    copy = tmp_path / "squats.mov"
    copy.write_bytes((shared_data / "videos" / "squats_front.mp4").read_bytes())
    with VideoReader(copy) as reader:
        assert sum(1 for _ in reader) == 65


def test_rotation_metadata_is_applied(tmp_path: Path) -> None:
    path = write_video(tmp_path / "phone.mp4", frames=5, width=160, height=120)
    set_rotation_90(path)
    with VideoReader(path) as reader:
        first = next(iter(reader))
    assert reader.info.rotation_deg == 90
    assert (reader.info.width, reader.info.height) == (120, 160)
    assert first.bgr.shape == (160, 120, 3)
    # Rotated 90 degrees clockwise: the top-left marker is now in the top-right corner.
    assert first.bgr[5, 115].mean() > 200
    assert first.bgr[5, 5].mean() < 100


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(VideoNotFoundError, match=r"^The video file nothing\.mp4 does not exist\.$"):
        VideoReader(tmp_path / "nothing.mp4")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.webm").write_bytes(b"")
    with pytest.raises(EmptyVideoError, match="is empty"):
        VideoReader(tmp_path / "empty.webm")


@pytest.mark.parametrize(
    ("name", "content"),
    [("notes.mp4", b"Patient notes, not a video.\n" * 40), ("noise.avi", os.urandom(4096))],
)
def test_non_video_file(tmp_path: Path, name: str, content: bytes) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(NotAVideoError, match="is not a video file"):
        VideoReader(tmp_path / name)


def test_folder_is_not_a_video(tmp_path: Path) -> None:
    with pytest.raises(NotAVideoError, match="is a folder"):
        VideoReader(tmp_path)


def test_video_header_followed_by_garbage_is_corrupt(tmp_path: Path) -> None:
    good = write_video(tmp_path / "good.mp4").read_bytes()
    (tmp_path / "bad.mp4").write_bytes(good[:32] + os.urandom(4096))
    with pytest.raises(CorruptVideoError, match="damaged or incomplete"):
        VideoReader(tmp_path / "bad.mp4")


def test_truncated_file_with_index_at_the_end_is_corrupt(shared_data: Path, tmp_path: Path) -> None:
    data = (shared_data / "videos" / "squats_front.mp4").read_bytes()  # moov box at the end
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptVideoError):
        VideoReader(tmp_path / "cut.mp4")


@pytest.mark.parametrize("source", ["walk_side_two_people.mp4", "single_leg_stance.mp4"])
def test_truncated_streamable_file_is_reported_after_its_last_frame(
    shared_data: Path, tmp_path: Path, source: str
) -> None:
    data = (shared_data / "videos" / source).read_bytes()  # moov box first: opens, then stops short
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 2])
    reader = VideoReader(tmp_path / "cut.mp4")
    with pytest.raises(TruncatedVideoError, match=r"ends after \d+ of its \d+ frames") as caught:
        for _ in reader:
            pass
    reader.close()
    assert isinstance(caught.value, CorruptVideoError)
    assert 0 < reader.frames_read < reader.info.frame_count / 2 + 10


def test_truncated_webm(tmp_path: Path) -> None:
    data = write_video(tmp_path / "full.webm", frames=60, width=320, height=240).read_bytes()
    (tmp_path / "cut.webm").write_bytes(data[: len(data) // 2])
    with (
        pytest.raises(TruncatedVideoError, match=r"ends after \d+ of its 60 frames"),
        VideoReader(tmp_path / "cut.webm") as reader,
    ):
        for _ in reader:
            pass


def test_every_error_message_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "text.mov").write_text("hello")
    for name in ("empty.mp4", "text.mov", "missing.avi"):
        with pytest.raises(VideoError) as caught:
            VideoReader(tmp_path / name)
        message = str(caught.value)
        assert message.endswith(".") and "\n" not in message and message.count(". ") == 0
