"""Each variant of the encoding matrix is one fixed clip: encoding it twice gives the same frames.

An encoder whose output depends on the machine's load (libvpx's "realtime" deadline adapts its
effort to the time each frame took) would make the matrix test a different clip on each run, so
a failure could not be reproduced. One second of the walk is encoded twice per variant and the
decoded frames compared (FFmpeg's ``md5`` muxer: the container's random ids do not count).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA
from tests.integration.capture.encodings import VARIANTS, ffmpeg_encoders, make_variant

WALK = SHARED_DATA / "videos" / "walk_side_two_people.mp4"
pytestmark = pytest.mark.slow
BY_FFMPEG = [v for v in VARIANTS if v.codec in ffmpeg_encoders()]


def _decoded_md5(path: Path) -> str:
    out = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(path), "-f", "md5", "-"],
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout  # fmt: skip
    return out.strip()


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="the ffmpeg tool is not installed")
@pytest.mark.parametrize("variant", BY_FFMPEG, ids=[v.name for v in BY_FFMPEG])
def test_encoding_a_variant_twice_gives_the_same_frames(variant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    clip = tmp_path / "one_second.mp4"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(WALK), "-t", "1", "-c", "copy", str(clip)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    decoded = []
    for run in ("first", "second"):
        (tmp_path / run).mkdir()
        decoded.append(_decoded_md5(make_variant(clip, variant, tmp_path / run)))
    first, second = decoded
    assert first == second, f"{variant.name}: two encodings differ"
