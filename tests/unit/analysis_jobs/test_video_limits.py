"""Videos are bounded in what they cost: frame rate, frame count, duration and frame size are read
from the container header and refused, each with one sentence, before any frame is decoded."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic.analysis_jobs import upload_check
from clinic.analysis_jobs.upload_check import UploadRefused, VideoLimits, check_video
from tests.synthetic_video import write_video


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the check reaches the decoder (which allocates whole frames)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the video was decoded before its header was checked")

    monkeypatch.setattr(upload_check, "VideoReader", refuse)
    monkeypatch.setattr(upload_check, "_tail_decodes", refuse)


def _check(path: Path, limits: VideoLimits | None = None) -> None:
    check_video(path, name=path.name, size_bytes=path.stat().st_size, max_bytes=10**9, limits=limits)


def test_a_1000_fps_clip_is_refused_by_its_frame_rate(tmp_path: Path, no_decoding: None) -> None:
    clip = write_video(tmp_path / "fast.mp4", width_px=32, height_px=32, fps=1000, frames=300)
    with pytest.raises(UploadRefused) as refused:
        _check(clip)
    assert (
        str(refused.value) == "fast.mp4 has 1000 frames per second; the highest frame rate accepted is 240."
    )


def test_an_8192_square_frame_is_refused_before_it_is_decoded(tmp_path: Path, no_decoding: None) -> None:
    # MJPEG is the codec OpenCV's bundled FFmpeg writes at 8192x8192; one frame is 394 KB on disk
    # and ~200 MB decoded.
    clip = write_video(tmp_path / "huge.mp4", width_px=8192, height_px=8192, fps=5, frames=1, fourcc="MJPG")
    with pytest.raises(UploadRefused) as refused:
        _check(clip)
    assert str(refused.value) == (
        "huge.mp4 is 8192x8192 pixels; the largest frame accepted is 8.3 megapixels "
        "(about 3840x2160), so export it at a lower resolution."
    )


def test_frame_count_and_duration_limits(tmp_path: Path, no_decoding: None) -> None:
    clip = write_video(tmp_path / "walk.mp4", width_px=64, height_px=48, fps=30, frames=90)
    with pytest.raises(UploadRefused) as refused:
        _check(clip, VideoLimits(max_frames=60))
    assert str(refused.value) == (
        "walk.mp4 has 90 frames; the most accepted is 60, so trim it to the movement you want analysed."
    )
    with pytest.raises(UploadRefused) as refused:
        _check(clip, VideoLimits(max_duration_s=2.0))
    assert str(refused.value) == (
        "walk.mp4 lasts 3.0 s; the longest video accepted is 2.0 s, so trim it to the movement you want analysed."
    )


def test_a_video_within_every_limit_is_accepted(tmp_path: Path) -> None:
    clip = write_video(tmp_path / "ok.mp4", width_px=64, height_px=48, fps=30, frames=90)
    checked = check_video(
        clip, name="ok.mp4", size_bytes=clip.stat().st_size, max_bytes=10**9,
        limits=VideoLimits(max_frames=90, max_duration_s=3.0, max_sampling_rate_hz=30, max_pixels=64 * 48),
    )  # fmt: skip
    assert (checked.frame_count, checked.sampling_rate_hz, checked.width, checked.height) == (
        90,
        30.0,
        64,
        48,
    )


def test_durations_read_in_minutes() -> None:
    with pytest.raises(UploadRefused, match=r"lasts 12 min 30 s; the longest video accepted is 10 min,"):
        upload_check.check_limits(
            "long.mp4", sampling_rate_hz=30, frame_count=30 * 750, width_px=640, height_px=480,
            limits=VideoLimits(max_frames=10**6),
        )  # fmt: skip
