"""`manage.py analyze_video --activity TEST` as a user runs it on the shared clips: the score with
its norm, or the reason a test could not be scored from this recording."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.slow


def _analyze(shared_data: Path, tmp_path: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "analyze_video", str(shared_data / "videos" / name),
         "--no-progress", *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_chair_stand_prints_the_count_and_its_norm(shared_data: Path, tmp_path: Path) -> None:
    done = _analyze(shared_data, tmp_path, "squats_front.mp4", "--activity", "chair-stand-30s", "--age", "72",
                    "--sex", "female")  # fmt: skip
    assert done.returncode == 0, done.stderr
    print(done.stdout)
    assert "outcome: 30-second chair stand test" in done.stdout
    # Two full rises (the squats annotated full depth); women 70-74 below 10 stands: below average.
    assert (
        "30-second chair stand: 2; norm: below average for women aged 72 (fewer than 10 stands)"
        in done.stdout
    )
    assert "CDC STEADI" in done.stdout
    assert "30-second chair stand: 2 stands  [good, frontal]" in done.stdout  # the value with its grade


def test_tug_on_a_clip_without_a_walk_says_why(shared_data: Path, tmp_path: Path) -> None:
    done = _analyze(shared_data, tmp_path, "single_leg_stance.mp4", "--activity", "tug")
    assert done.returncode == 0, done.stderr
    assert "no outcome: tug not scored:" in done.stdout
