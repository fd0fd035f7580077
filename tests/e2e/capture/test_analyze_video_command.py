"""`manage.py analyze_video` as a user runs it: files written, summary printed, bad input refused."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from analysis.angles import CONVENTION

REPO = Path(__file__).resolve().parents[3]


def _manage(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "analyze_video", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "model", "frames", "size"),
    [
        ("squats_front.mp4", "full", 65, (720, 1280)),
        ("single_leg_stance.mp4", "full", 100, (1080, 1920)),
        ("walk_side_two_people.mp4", "lite", 230, (1768, 994)),
    ],
)
def test_command_writes_json_npz_and_csv_and_prints_a_summary(
    shared_data: Path, tmp_path: Path, name: str, model: str, frames: int, size: tuple[int, int]
) -> None:
    out = StringIO()
    json_path, csv_path = tmp_path / "result" / "analysis.json", tmp_path / "rows.csv"
    call_command(
        "analyze_video",
        str(shared_data / "videos" / name),
        model=model,
        json_out=str(json_path),
        csv_out=str(csv_path),
        height_m=1.7,
        no_progress=True,
        stdout=out,
    )
    document = json.loads(json_path.read_text())
    assert document["video"]["frames"] == frames
    assert (document["video"]["width"], document["video"]["height"]) == size
    assert document["model"] == model and document["height_m"] == 1.7
    people = document["people"]
    assert people and document["subject"] in [p["id"] for p in people]
    assert set(people[0]) >= {"id", "first_frame", "last_frame", "frames_tracked"}
    with np.load(json_path.with_suffix(".npz")) as npz:
        assert npz["image"].shape == (len(people), frames, 33, 4)
        assert npz["world"].shape == (len(people), frames, 33, 4)
        row = list(npz["person_ids"]).index(document["subject"])
        subject_seen = np.isfinite(npz["image"][row, :, 0, 0]).sum()
    with csv_path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == sum(p["frames_tracked"] for p in people)
    assert sum(r["is_subject"] == "1" for r in rows) == subject_seen
    analysis = document["analysis"]
    assert analysis["scale"]["source"] == "height" and analysis["activity"] == "auto"
    # Every section is either present or has its reason for being absent.
    for name in ("gait", "exercise", "balance"):
        assert (document[name] is not None) != (name in analysis["absent"]), name
    summary = out.getvalue()
    # Issue 13: the camera view, the angle convention (one, not "interior angle, 180 = straight"),
    # each value with its quality and view, and the withheld values with their reasons.
    assert "camera view: " in summary and CONVENTION in summary and "interior angle" not in summary
    assert analysis["views"] and analysis["views_text"] in summary
    for m in analysis["measurements"]:
        assert f"[{m['quality']}, {m['view']}]" in summary
    for w in analysis["withheld"]:
        assert w["reason"] in summary
    assert "scale: 1.70 m tall = " in summary and "accurate to about ±" in summary
    assert f"{frames} frames" in summary and "<- subject" in summary and "Wrote" in summary
    print(summary)


def _bad_files(tmp_path: Path, shared_data: Path) -> dict[str, Path]:
    walk = (shared_data / "videos" / "walk_side_two_people.mp4").read_bytes()
    squats = (shared_data / "videos" / "squats_front.mp4").read_bytes()
    files = {
        "empty": (tmp_path / "empty.mp4", b""),
        "not_a_video": (tmp_path / "report.mov", b"%PDF-1.4 this is a document\n" * 50),
        "corrupt": (tmp_path / "corrupt.mp4", squats[:32] + os.urandom(20000)),
        "truncated_index_lost": (tmp_path / "cut_early.mp4", squats[: len(squats) // 2]),
        "truncated_streamable": (tmp_path / "cut_late.mp4", walk[: len(walk) // 4]),
    }
    for path, content in files.values():
        path.write_bytes(content)
    return {kind: path for kind, (path, _) in files.items()} | {"missing": tmp_path / "missing.webm"}


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing", "does not exist"),
        ("empty", "is empty"),
        ("not_a_video", "is not a video file"),
        ("corrupt", "is damaged or incomplete"),
        ("truncated_index_lost", "is damaged or incomplete"),
        ("truncated_streamable", "it is damaged or was cut off"),
    ],
)
def test_bad_input_gives_one_sentence_and_a_nonzero_exit(
    shared_data: Path, tmp_path: Path, kind: str, message: str
) -> None:
    path = _bad_files(tmp_path, shared_data)[kind]
    outputs = tmp_path / "out"
    # Without the progress bar, stderr holds only what the command itself says.
    result = _manage(
        str(path),
        "--json",
        str(outputs / "a.json"),
        "--csv",
        str(outputs / "a.csv"),
        "--no-progress",
        cwd=tmp_path,
    )
    assert result.returncode != 0
    stderr_lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(stderr_lines) == 1, result.stderr
    assert message in stderr_lines[0] and "Traceback" not in result.stderr
    assert stderr_lines[0].rstrip().endswith(".")
    assert not outputs.exists()  # nothing half-written


def test_unknown_subject_and_bad_height_are_refused(shared_data: Path, tmp_path: Path) -> None:
    video = str(shared_data / "videos" / "squats_front.mp4")
    result = _manage(video, "--height-m", "170", cwd=tmp_path)
    assert result.returncode != 0 and result.stderr.strip() == (
        "CommandError: --height-m is the subject's height in metres (0.5 to 2.5), not 170."
    )
    result = _manage(video, "--exercise", "pushup", cwd=tmp_path)
    assert result.returncode != 0 and result.stderr.strip().startswith(
        "CommandError: Unknown exercise 'pushup'; choose one of auto, squat, sit-to-stand"
    )
    result = _manage(video, "--json", "same.json", "--csv", "same.npz", cwd=tmp_path)
    assert result.returncode != 0 and "must be different files" in result.stderr
    assert list(tmp_path.iterdir()) == []
