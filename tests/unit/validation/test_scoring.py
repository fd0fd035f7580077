"""Scoring of annotated clips and the layout of a clinic's case folders (no pose model, no data set)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clinic.validation.cases import CaseError, MocapCase, VideoCase, clinic_cases
from clinic.validation.scoring import CaseResult, score_sections

HEADER = "file,kind,label,frame_0based,time_s,tolerance_frames,notes"


def _rows(*lines: str) -> tuple[dict[str, str], ...]:
    keys = HEADER.split(",")
    return tuple(dict(zip(keys, line.split(",", len(keys) - 1), strict=True)) for line in lines)


def test_walk_cadence_and_heel_strikes_against_the_annotations() -> None:
    # Strikes every 0.6 s annotated at frames 30, 48, 66, 84 (30 fps): 100 steps/min.
    annotations = _rows(
        *(f"w.mp4,heel_strike,HS{i},{30 + 18 * i},{(30 + 18 * i) / 30:.3f},2," for i in range(4))
    )
    sections = {
        "gait": {
            "cadence_steps_per_min": 98.0,
            "heel_strikes": [{"frame": 32}, {"frame": 50}, {"frame": 65}],  # the last strike is missing
            "method": "heel extremes",
        }
    }
    out = score_sections(CaseResult("walk", "video", "test"), sections, annotations, sampling_rate_hz=30.0)
    (cadence,) = out.pairs["cadence"]
    assert cadence.reference == pytest.approx(100.0) and cadence.measured == 98.0
    assert [round(p.measured - p.reference) for p in out.pairs["heel_strike_time_video"]] == [67, 67, -33]
    assert out.not_found["heel_strike_time_video"] == ["HS3 at frame 84"]
    assert out.methods["cadence"] == "heel extremes"


def test_squat_reps_and_depth_against_the_annotated_knee_angles() -> None:
    annotations = _rows(
        "s.mp4,squat_rep,rep1_bottom,10,2.0,1,reference knee angle minimum about 96 deg left / 103 deg right",
        "s.mp4,squat_rep,rep1_standing,19,3.8,1,",
        "s.mp4,squat_rep,rep2_bottom,34,6.8,1,knee angle minimum about 87 / 93 deg",
        "s.mp4,squat_rep,rep2_standing,43,8.6,1,",
    )
    sections = {
        "exercise": {
            "kind": "squat",
            "complete_reps": 1,
            "reps": [{"bottom_frame": 11, "depth": 82.0}, {"bottom_frame": 40, "depth": 95.0}],
        }
    }
    out = score_sections(CaseResult("squats", "video", "test"), sections, annotations, sampling_rate_hz=5.0)
    (reps,) = out.pairs["squat_complete_reps"]
    assert (reps.reference, reps.measured) == (2.0, 1.0)
    # Flexion = 180 - mean interior angle: 80.5 deg for rep 1; rep 2's bottom is 6 frames off: not found.
    (depth,) = out.pairs["squat_depth"]
    assert depth.reference == pytest.approx(80.5) and depth.measured == 82.0
    assert out.not_found["squat_depth"] == ["rep2_bottom at frame 34"]


def test_a_clip_reported_as_another_activity_counts_no_repetitions() -> None:
    annotations = _rows("s.mp4,squat_rep,rep1_standing,19,3.8,1,")
    out = score_sections(
        CaseResult("squats", "video", "test"),
        {"exercise": {"kind": "deadlift", "complete_reps": 3, "reps": []}},
        annotations,
        sampling_rate_hz=5.0,
    )
    assert out.pairs["squat_complete_reps"][0].measured == 0.0


def _map() -> dict[str, list[str]]:
    return {r: [r.upper()] for r in ("left_heel", "right_heel", "left_toe", "right_toe", "pelvis")}


def test_clinic_folders_are_read_by_their_layout(tmp_path: Path) -> None:
    mocap = tmp_path / "b trial"
    mocap.mkdir()
    (mocap / "walk.trc").write_text("")
    (mocap / "case.json").write_text(json.dumps({"map": _map()}))
    (mocap / "ref_forceplate_events.csv").write_text("foot,event,time_s\nleft,initial_contact,1.0\n")
    video = tmp_path / "a clip"
    video.mkdir()
    (video / "clip.webm").write_bytes(b"")
    (video / "annotations.csv").write_text(
        f"{HEADER}\nclip.webm,heel_strike,HS1,3,0.1,2,\nother.mp4,heel_strike,HS1,3,0.1,2,\n"
    )
    a, b = clinic_cases(tmp_path)
    assert isinstance(a, VideoCase) and a.name == "a clip" and len(a.annotations) == 1
    assert isinstance(b, MocapCase) and b.marker_file.name == "walk.trc" and b.roles["pelvis"] == ["PELVIS"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"case.json": json.dumps({"map": {"left_heel": "LHEE"}}), "m.trc": ""},
            "must name markers for each of",
        ),
        ({"case.json": "{", "m.trc": ""}, "not valid JSON"),
        (
            {"case.json": json.dumps({"map": _map()}), "a.trc": "", "b.c3d": ""},
            "exactly one .trc/.c3d file, found 2",
        ),
        ({"case.json": json.dumps({"map": _map()}), "m.trc": ""}, "no ref_forceplate_events.csv"),
        (
            {
                "case.json": json.dumps({"map": _map()}),
                "m.trc": "",
                "ref_forceplate_events.csv": "foot,time\n",
            },
            "expected columns foot,event,time_s",
        ),
        ({"annotations.csv": "file,label\n", "v.mp4": ""}, "missing column"),
        ({"annotations.csv": f"{HEADER}\n", "v.mp4": "", "w.mp4": ""}, "exactly one video file, found 2"),
        (
            {"annotations.csv": f"{HEADER}\nother.mp4,heel_strike,HS1,3,0.1,2,\n", "v.mp4": ""},
            "no rows for v.mp4",
        ),
        ({"annotations.csv": f"{HEADER}\nv.mp4,heel_strike,HS1,three,0.1,2,\n", "v.mp4": ""}, "not a number"),
    ],
)
def test_a_folder_off_the_layout_is_refused_with_what_is_wrong(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    case = tmp_path / "case"
    case.mkdir()
    for name, text in files.items():
        (case / name).write_text(text)
    with pytest.raises(CaseError, match=message):
        clinic_cases(tmp_path)


def test_an_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="no case folders"):
        clinic_cases(tmp_path)


def test_a_video_that_cannot_be_decoded_is_listed_not_fatal(tmp_path: Path) -> None:
    from clinic.validation.cases import CaseSet
    from clinic.validation.run import build_report

    case = tmp_path / "clip"
    case.mkdir()
    (case / "clip.mp4").write_text("not a video")
    (case / "annotations.csv").write_text(f"{HEADER}\nclip.mp4,heel_strike,HS1,3,0.1,2,\n")
    report = build_report(CaseSet(cases=clinic_cases(tmp_path)), video=True)
    ((name, error),) = [(c["name"], c["error"]) for c in report["cases"]]
    assert name == "clip" and error and report["metrics"] == []
