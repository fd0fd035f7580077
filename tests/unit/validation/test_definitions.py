"""Each metric's definition in the report, and the lag of video contacts measured by the run itself
(fake pairs with a known lag; no pose model, no data set)."""

from __future__ import annotations

import pytest

from analysis.gait.contact import VIDEO_CONTACT_DEFINITION
from clinic.validation.present import definition_lines, measured_sentence
from clinic.validation.run import lag_in_frames, metric_entries
from clinic.validation.scoring import METRICS, CaseResult, Pair, score_sections

HEADER = "file,kind,label,frame_0based,time_s,tolerance_frames,notes"


def _walk(name: str, *, annotated: list[int], found: list[int], rate_hz: float) -> CaseResult:
    """A walk case scored as ``score_sections`` scores a clip: annotated and reported strike frames."""
    keys = HEADER.split(",")
    rows = tuple(
        dict(zip(keys, f"w.mp4,heel_strike,HS{i},{f},{f / rate_hz:.3f},2,".split(","), strict=True))
        for i, f in enumerate(annotated, start=1)
    )
    sections = {"gait": {"cadence_steps_per_min": 100.0, "heel_strikes": [{"frame": f} for f in found]}}
    return score_sections(CaseResult(name, "video", "test"), sections, rows, sampling_rate_hz=rate_hz)


def _heel_strikes(*results: CaseResult) -> dict:  # type: ignore[type-arg]
    return next(m for m in metric_entries(list(results)) if m["code"] == "heel_strike_time_video")


def test_the_lag_is_counted_in_frames_of_the_clip_and_stated_under_the_definition() -> None:
    # Five strikes found 2, 2, 2, 3 and 2 frames after the annotation at 30 fps: +66.7 ms typical.
    walk = _walk("hallway", annotated=[30, 48, 66, 84, 102], found=[32, 50, 68, 87, 104], rate_hz=30.0)
    metric = _heel_strikes(walk)
    (row,) = metric["cases"]
    assert [round(p["difference"], 1) for p in row["pairs"]] == [66.7, 66.7, 66.7, 100.0, 66.7]
    assert row["in_frames"] == {
        "n": 5,
        "sampling_rate_hz": 30.0,
        "median_frames": 2.0,
        "median_ms": pytest.approx(66.667, abs=1e-3),
        "min_frames": 2.0,
        "max_frames": 3.0,
    }
    assert metric["definition"] == VIDEO_CONTACT_DEFINITION
    assert definition_lines(metric) == [
        f"Definition: {VIDEO_CONTACT_DEFINITION}",
        "In this run: median 2 frames (66.7 ms) late, range 2 to 3 frames, over 5 heel strikes "
        "of hallway at 30 fps.",
    ]


def test_each_case_states_its_own_lag_at_its_own_frame_rate() -> None:
    # The same 2-frame lag is 80 ms at 25 fps; a case found early says so, with a signed range.
    slow = _walk("slow", annotated=[25, 45, 65], found=[27, 47, 67], rate_hz=25.0)
    early = _walk("early", annotated=[30, 48, 66], found=[28, 47, 67], rate_hz=30.0)
    lines = definition_lines(_heel_strikes(slow, early))
    assert lines[1:] == [
        "In this run: median 2 frames (80.0 ms) late, range 2 to 2 frames, over 3 heel strikes of slow at 25 fps.",
        "In this run: median 1 frame (33.3 ms) early, range -2 to 1 frames, over 3 heel strikes of early at 30 fps.",
    ]


def test_a_case_with_every_strike_missed_has_no_measured_sentence() -> None:
    walk = _walk("dark", annotated=[30, 48], found=[], rate_hz=30.0)
    metric = _heel_strikes(walk)
    assert metric["cases"][0]["pairs"] == [] and metric["cases"][0]["in_frames"] is None
    assert measured_sentence(metric, metric["cases"][0]) is None
    assert definition_lines(metric) == [f"Definition: {VIDEO_CONTACT_DEFINITION}"]


def test_half_frames_and_float_error_of_the_conversion() -> None:
    # Two strikes 1 and 2 frames late: the median is 1.5 frames; 1000/30 ms back to frames is 1, not 0.99999.
    lag = lag_in_frames([1000 / 30, 2000 / 30], sampling_rate_hz=30.0)
    assert lag is not None and (lag["median_frames"], lag["min_frames"], lag["max_frames"]) == (1.5, 1.0, 2.0)
    assert lag_in_frames([], sampling_rate_hz=30.0) is None
    metric = {"frame_events": "heel strike", "cases": [{"case": "c", "in_frames": lag}]}
    assert measured_sentence(metric, metric["cases"][0]) == (
        "In this run: median 1.5 frames (50.0 ms) late, range 1 to 2 frames, over 2 heel strikes of c at 30 fps."
    )


def test_marker_metrics_state_their_definitions_from_the_settings_and_no_frames() -> None:
    case = CaseResult("trial", "mocap", "test")
    case.add("initial_contact_time", Pair(1000.0, 1004.0, "left initial contact at 1.000 s"))
    case.add("toe_off_time", Pair(1600.0, 1590.0, "left toe off at 1.600 s"))
    metrics = {m["code"]: m for m in metric_entries([case])}
    ic = metrics["initial_contact_time"]
    # Marker data have no clip frame rate: no count in frames, only the definition.
    assert "in_frames" not in ic["cases"][0]
    assert definition_lines(ic) == [f"Definition: {METRICS['initial_contact_time'].definition}"]
    # The figures named are the ones the detectors run with (GaitEventConfig, ForcePlateConfig).
    assert "0.8 of the stance speed" in ic["definition"] and "0.1-0.3 s after contact" in ic["definition"]
    assert "crosses 20 N upwards" in ic["definition"] and "50 Hz" in ic["definition"]
    assert "crosses 20 N downwards" in metrics["toe_off_time"]["definition"]


def test_every_metric_carries_a_definition_and_an_old_report_shows_none() -> None:
    assert all(info.definition for info in METRICS.values())
    assert [c for c, info in METRICS.items() if info.frame_events] == ["heel_strike_time_video"]
    # A report stored before definitions existed still renders, without one.
    assert definition_lines({"code": "cadence", "cases": [{"case": "walk", "pairs": []}]}) == []
