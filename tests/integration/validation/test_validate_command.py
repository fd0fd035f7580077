"""``manage.py validate``: the report it writes (JSON, HTML, PDF), the PDF read back, a clinic's
own case folder picked up, and bad folders refused with a sentence."""

from __future__ import annotations

import io
import json
import shutil
from html import escape
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from analysis.agreement import agreement_of_differences
from analysis.gait.contact import VIDEO_CONTACT_DEFINITION
from clinic.validation.present import definition_lines, fmt, metric_rows, pooled_sentence
from clinic.validation.scoring import METRICS
from tests.integration.validation.conftest import CLINIC_CASE

BUNDLED_MOCAP = 10  # the two OpenSim trials and the eight multilab trials


def _pdf_text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_validate_writes_the_report_and_the_pdf_shows_the_json_figures(
    clinic_cases_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    stdout = io.StringIO()
    call_command(
        "validate", "--no-video", "--cases", str(clinic_cases_dir), "--output", str(out), stdout=stdout
    )
    report = json.loads((out / "latest.json").read_text())
    print(stdout.getvalue())

    cases = {c["name"]: c for c in report["cases"]}
    assert all(c["error"] is None for c in report["cases"]), report["cases"]
    assert sum(c["kind"] == "mocap" for c in report["cases"]) == BUNDLED_MOCAP + 1
    assert cases[CLINIC_CASE]["source"].startswith("clinic cases in")
    assert "squats_front.reference_blazepose_full_2d" in cases
    assert not any(c["kind"] == "video" for c in report["cases"]) and report["video_cases_run"] is False
    assert report["models"]["landmark_model_sha256"] and report["software_version"]
    assert report["generated_at"][:4].isdigit()

    metrics = {m["code"]: m for m in report["metrics"]}
    assert {
        "initial_contact_time",
        "toe_off_time",
        "stance_time",
        "squat_complete_reps",
        "squat_depth",
    } <= set(metrics)
    ic = metrics["initial_contact_time"]
    assert CLINIC_CASE in [row["case"] for row in ic["cases"]]
    # Pooled figures are those of all the pairs listed, each difference measured - reference.
    for m in metrics.values():
        pairs = [p for row in m["cases"] for p in row["pairs"]]
        for p in pairs:
            assert p["difference"] == pytest.approx(p["measured"] - p["reference"])
        again = agreement_of_differences([p["difference"] for p in pairs])
        assert again is not None and again.to_json() == pytest.approx(m["pooled"])
    # The clinic's C3D case gives the plates' clean events the bundled copy of that trial lists.
    bundled = next(r for r in ic["cases"] if r["case"] == "smk_overground")
    clinic = next(r for r in ic["cases"] if r["case"] == CLINIC_CASE)
    assert [p["reference"] for p in clinic["pairs"]] == pytest.approx(
        [p["reference"] for p in bundled["pairs"]], abs=1.0
    )

    # The PDF, read back, prints every figure of the JSON: each table row and each pooled sentence.
    text = _pdf_text(out / "latest.pdf")
    assert "Validation report" in text and report["software_version"] in text
    assert report["models"]["landmark_model_sha256"] in text
    for m in report["metrics"]:
        assert " ".join(pooled_sentence(m).split()) in text, m["code"]
        # Each metric's definition, under its figures (marker metrics: no count in frames).
        assert definition_lines(m) == [f"Definition: {METRICS[m['code']].definition}"], m["code"]
        assert " ".join(definition_lines(m)[0].split()) in text, m["code"]
        for row in metric_rows(m):
            assert " ".join(" ".join(row).split()) in text, (m["code"], row)
        pooled = m["pooled"]
        assert f"{fmt(pooled['bias'])} {fmt(pooled['mean_abs_error'])}" in text
    assert CLINIC_CASE in text  # markup characters printed as typed

    html = (out / "latest.html").read_text()
    assert escape(CLINIC_CASE) in html and CLINIC_CASE not in html
    for m in report["metrics"]:
        assert f'<p class="muted definition">{escape(definition_lines(m)[0])}</p>' in html
    for m in report["metrics"]:
        svg = html.split(f'role="img" data-metric="{m["code"]}"')[1].split("</svg>")[0]
        assert svg.count('data-role="point"') == m["pooled"]["n"]
        assert svg.count('data-role="limit"') == (2 if m["pooled"]["sd"] else 0)


def test_a_bad_case_folder_is_refused_and_the_previous_report_stays(
    clinic_cases_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    call_command(
        "validate", "--no-video", "--no-bundled", "--cases", str(clinic_cases_dir), "--output", str(out)
    )
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(before) == {"latest.json", "latest.html", "latest.pdf"}

    (clinic_cases_dir / "no map").mkdir()
    shutil.copy(clinic_cases_dir / CLINIC_CASE / "trial.c3d", clinic_cases_dir / "no map" / "trial.c3d")
    with pytest.raises(CommandError, match=r"no map: a motion-capture case needs case.json"):
        call_command(
            "validate", "--no-video", "--no-bundled", "--cases", str(clinic_cases_dir), "--output", str(out)
        )
    with pytest.raises(CommandError, match="no such folder"):
        call_command("validate", "--no-bundled", "--cases", str(tmp_path / "missing"), "--output", str(out))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_an_unreadable_case_is_listed_and_the_others_still_count(
    clinic_cases_dir: Path, tmp_path: Path
) -> None:
    broken = clinic_cases_dir / "broken trial"
    broken.mkdir()
    (broken / "trial.c3d").write_bytes(b"not a c3d file")
    (broken / "case.json").write_text((clinic_cases_dir / CLINIC_CASE / "case.json").read_text())
    out = tmp_path / "report"
    stderr = io.StringIO()
    call_command(
        "validate",
        "--no-video",
        "--no-bundled",
        "--cases",
        str(clinic_cases_dir),
        "--output",
        str(out),
        stderr=stderr,
    )
    report = json.loads((out / "latest.json").read_text())
    errors = {c["name"]: c["error"] for c in report["cases"]}
    assert errors[CLINIC_CASE] is None and errors["broken trial"]
    assert "case broken trial not run" in stderr.getvalue()
    assert report["metrics"] and all(
        row["case"] == CLINIC_CASE for m in report["metrics"] for row in m["cases"]
    )


def test_a_clinic_video_case_runs_the_pose_model(reference_data: Path, tmp_path: Path) -> None:
    """One short clip (the 5 fps squat clip, 13 s) through MediaPipe, as a clinic's video case:
    the clip and its annotations.csv in the ground_truth_videos.csv format."""
    case = tmp_path / "cases" / "front squats"
    case.mkdir(parents=True)
    clip = reference_data / "videos" / "squats_front.mp4"
    (case / clip.name).symlink_to(clip)
    lines = (reference_data / "ground_truth_videos.csv").read_text().splitlines()
    (case / "annotations.csv").write_text(
        "\n".join([lines[0], *(line for line in lines[1:] if line.startswith("squats_front.mp4,"))]) + "\n"
    )
    out = tmp_path / "report"
    call_command("validate", "--no-bundled", "--cases", str(tmp_path / "cases"), "--output", str(out))
    report = json.loads((out / "latest.json").read_text())
    assert [(c["name"], c["kind"], c["error"]) for c in report["cases"]] == [("front squats", "video", None)]
    metrics = {m["code"]: m for m in report["metrics"]}
    reps = metrics["squat_complete_reps"]["cases"][0]["pairs"][0]
    assert reps["reference"] == 2.0 and reps["measured"] == 2.0
    depth = metrics["squat_depth"]
    assert depth["pooled"]["n"] == 3 and depth["pooled"]["mean_abs_error"] < 8.0
    # The same clip with --no-video: the case is skipped, so there is nothing to report.
    with pytest.raises(CommandError, match="No reference cases"):
        call_command(
            "validate", "--no-video", "--no-bundled", "--cases", str(tmp_path / "cases"), "--output", str(out)
        )


def test_a_walk_video_case_states_the_contact_definition_and_its_measured_lag(
    reference_data: Path, tmp_path: Path
) -> None:
    """The annotated walk (30 fps, 230 frames; about 15 s of pose inference) as a clinic's video
    case named with markup characters: the report states the video contact definition and the lag
    this run measured, in frames, in the JSON, the PDF and the HTML."""
    name = 'hallway <walk> & "turn"'
    case = tmp_path / "cases" / name
    case.mkdir(parents=True)
    clip = reference_data / "videos" / "walk_side_two_people.mp4"
    (case / clip.name).symlink_to(clip)
    lines = (reference_data / "ground_truth_videos.csv").read_text().splitlines()
    (case / "annotations.csv").write_text(
        "\n".join([lines[0], *(line for line in lines[1:] if line.startswith(f"{clip.name},"))]) + "\n"
    )
    out = tmp_path / "report"
    call_command("validate", "--no-bundled", "--cases", str(tmp_path / "cases"), "--output", str(out))
    report = json.loads((out / "latest.json").read_text())
    strikes = next(m for m in report["metrics"] if m["code"] == "heel_strike_time_video")
    (row,) = strikes["cases"]
    # HS1 is hidden behind a tree; the other eight are found 2 to 4 frames late (median 2).
    assert row["not_found"] == ["HS1 at frame 39"]
    frames = row["in_frames"]
    assert (frames["n"], frames["sampling_rate_hz"], frames["median_frames"]) == (8, 30.0, 2.0)
    assert 2.0 <= frames["min_frames"] <= frames["max_frames"] <= 5.0
    assert [round(p["difference"] * 30 / 1000, 3) for p in row["pairs"]] == pytest.approx(
        [float(round(p["difference"] * 30 / 1000)) for p in row["pairs"]]
    )
    measured = (
        f"In this run: median 2 frames (66.7 ms) late, range {frames['min_frames']:g} to "
        f"{frames['max_frames']:g} frames, over 8 heel strikes of {name} at 30 fps."
    )
    assert definition_lines(strikes) == [f"Definition: {VIDEO_CONTACT_DEFINITION}", measured]

    text = _pdf_text(out / "latest.pdf")
    assert " ".join(f"Definition: {VIDEO_CONTACT_DEFINITION}".split()) in text
    assert measured in text  # the case name's markup characters printed as typed
    html = (out / "latest.html").read_text()
    assert f'<p class="muted definition">{escape(measured)}</p>' in html and name not in html
