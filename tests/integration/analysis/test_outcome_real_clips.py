"""The outcome tests on the shared real clips, through the analysis as ``analyze_video`` runs it.

Real inference (one run per clip per session, :mod:`tests.integration.capture.video_cache`).
Validated on real video: the single-leg stance test (``single_leg_stance.mp4``: one stance on one
foot for the whole clip, no touchdown) and the chair-stand scoring of repeated rises
(``squats_front.mp4``: two full-depth squats and one partial, annotated in
``ground_truth_videos.csv``; a squat's rise from the bottom is a stand). The Timed Up and Go,
10-metre walk and jump have no shared clip and are validated on synthetic figures only
(:mod:`tests.unit.analysis.test_outcome_tests`).
"""

from __future__ import annotations

import pytest

from analysis.outcome_section import StanceSides
from analysis.outcomes import ChairStandResult, FiveTimesResult
from analysis.report import video_sections
from analysis.results import Ergonomics, SkeletonFit, VideoResult
from capture.sections import summary_lines
from clinic.analysis_jobs.metrics import metric_values
from tests.integration.capture.video_cache import analysed

pytestmark = pytest.mark.slow


def _sections(name: str, activity: str):  # type: ignore[no-untyped-def]
    analysis = analysed(name)
    return video_sections(
        analysis.image_landmarks(),
        sampling_rate_hz=analysis.video.sampling_rate_hz,
        exercise=activity,  # type: ignore[arg-type]
    )


def _metrics(sections) -> list:  # type: ignore[no-untyped-def,type-arg]
    result = VideoResult(
        sections=sections, ergonomics=Ergonomics(summary=None), skeleton_fit=SkeletonFit(fit=None)
    )
    return list(metric_values(result))


def test_single_leg_stance_test_reports_the_time_without_touchdown() -> None:
    sections = _sections("single_leg_stance.mp4", "single_leg_stance")
    assert sections.outcome is not None
    sides = sections.outcome.result
    assert isinstance(sides, StanceSides)
    bouts = [b for b in (sides.left, sides.right) if b is not None]
    print(f"\nstance per side: {sides}")
    assert len(bouts) == 1 and not bouts[0].ended_by_touchdown
    assert bouts[0].duration_s >= 0.95 * sides.recording_s
    values = [v for v in _metrics(sections) if v.metric == "single_leg_stance_time"]
    assert len(values) == 1 and values[0].side == bouts[0].stance_side
    assert values[0].value == pytest.approx(bouts[0].duration_s, abs=0.001)
    assert "no touchdown" in values[0].method
    lines = "\n".join(summary_lines(sections.to_json(), age_years=30, sex="female"))
    print(lines)
    # The clip ends while the patient still stands: the time is a lower bound, not a fall risk.
    assert (
        "single-leg stance time" in lines
        and "the recording ended before the lifted foot touched down" in lines
    )
    assert "risk" not in lines


def test_squat_rises_scored_as_chair_stands() -> None:
    sections = _sections("squats_front.mp4", "chair_stand_30s")
    assert sections.outcome is not None
    chair = sections.outcome.result
    assert isinstance(chair, ChairStandResult)
    print(f"\nchair stands {chair}")
    # Two full-depth squats and one partial (annotated): the partial one does not rise from a
    # full-depth bend, so it is not a full stand.
    assert chair.count == 2
    assert [(v.metric, v.value) for v in _metrics(sections) if v.metric == "chair_stand_count"] == [
        ("chair_stand_count", 2.0)
    ]
    five = _sections("squats_front.mp4", "five_times_sit_to_stand").outcome
    assert five is not None and isinstance(five.result, FiveTimesResult)
    assert five.result.time_s is None and five.result.full_stands == 2  # fewer than five: no time
