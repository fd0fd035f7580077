"""Trust checks of issue 13 on the shared clips, through the analysis as ``analyze_video`` runs it.

Real inference, one run per clip per session (:mod:`tests.integration.capture.video_cache`);
the sections from the subject's pixel landmarks (:func:`analysis.report.video_sections`, as
:func:`capture.sections.attach_sections` calls it), REBA beside them, and the metric values and
withheld values the record step stores (:mod:`clinic.analysis_jobs.metrics`).
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from analysis.camera_view import VIEWS
from analysis.ergonomics import reba_scores, reba_summary
from analysis.gait.scale import EYE_FRACTION
from analysis.plausibility import plausible_range
from analysis.report import video_sections
from analysis.results import Ergonomics, SkeletonFit, VideoResult
from analysis.types import Trajectories
from clinic.analysis_jobs.metrics import metric_values, withheld_values
from tests.conftest import SHARED_DATA
from tests.integration.capture.video_cache import analysed

pytestmark = pytest.mark.slow

WALK, SQUATS, STANCE = "walk_side_two_people.mp4", "squats_front.mp4", "single_leg_stance.mp4"
WALKER_HEIGHT_M = 1.65  # not annotated: any adult height gives the same pixel check


def _result(name: str, *, height_m: float | None = None, activity: str = "auto") -> VideoResult:
    analysis = analysed(name)
    image, rate = analysis.image_landmarks(), analysis.video.sampling_rate_hz
    sections = video_sections(image, sampling_rate_hz=rate, height_m=height_m, exercise=activity)  # type: ignore[arg-type]
    traj = Trajectories.from_landmarks(image, sampling_rate_hz=rate)
    ergonomics = Ergonomics(summary=reba_summary(reba_scores(traj), sampling_rate_hz=rate))
    return VideoResult(
        sections=sections, ergonomics=ergonomics, skeleton_fit=SkeletonFit(fit=None, reason="not requested")
    )


def _annotated_strikes() -> list[int]:
    with (SHARED_DATA / "ground_truth_videos.csv").open(newline="") as fh:
        return [
            int(r["frame_0based"])
            for r in csv.DictReader(fh)
            if r["file"] == WALK and r["kind"] == "heel_strike"
        ]


def test_walk_reports_no_shoulder_range_and_nothing_implausible() -> None:
    result = _result(WALK, height_m=WALKER_HEIGHT_M)
    assessment = result.sections.assessment
    assert assessment is not None and assessment.assessor.views.dominant() == "sagittal"
    values = metric_values(result)
    print("\n" + "\n".join(f"{v.metric} {v.side} {v.value} {v.unit} {v.quality} {v.view}" for v in values))
    for w in withheld_values(result):
        print(f"withheld {w.metric} {w.side} {w.code}: {w.reason}")
    assert not [v for v in values if v.metric == "shoulder_flexion_rom"]
    for v in values:
        rng = plausible_range(v.metric, activity="gait")
        assert rng is not None and rng.contains(v.value), v
        assert v.quality in ("good", "fair", "poor") and v.view == "sagittal" and v.method
    knees = [v.value for v in values if v.metric == "knee_flexion_rom"]
    # A walking knee moves about 60 deg (Perry & Burnfield 2010); the near knee is seen best.
    assert knees and all(40.0 <= k <= 80.0 for k in knees) and 55.0 <= max(knees) <= 75.0
    assert {"cadence", "step_length", "gait_speed"} <= {v.metric for v in values}


def test_walk_scale_agrees_with_the_body_at_the_annotated_strides() -> None:
    result = _result(WALK, height_m=WALKER_HEIGHT_M)
    note = result.sections.analysis.scale
    assert note.source == "height" and note.metres_per_pixel is not None
    assert note.detail.startswith(f"{WALKER_HEIGHT_M:.2f} m tall = ") and "accurate to about ±" in note.detail
    image = analysed(WALK).image_landmarks()
    strikes = _annotated_strikes()
    # The walker's pixel size at the annotated heel strikes: eye above the lower heel, over the
    # eye's height fraction (a different measurement from the scale's segment lengths).
    eye_y = np.nanmean(image[strikes][:, [2, 5], 1], axis=1)
    heel_y = np.nanmax(image[strikes][:, [29, 30], 1], axis=1)
    body_px = float(np.nanmedian((heel_y - eye_y) / EYE_FRACTION))
    expected = WALKER_HEIGHT_M / body_px
    print(f"\nscale {note.metres_per_pixel:.5f} m/px, from the body at the annotated strikes {expected:.5f}")
    assert note.metres_per_pixel == pytest.approx(expected, rel=0.10)
    # The annotated steps (striking heels at consecutive annotated strikes) in metres are an
    # adult's steps at ~97 steps/min (Hollman et al. 2011: about 0.6-0.75 m).
    heel_x = [
        np.nanmax(image[f, [29, 30], 0]) if i % 2 else np.nanmin(image[f, [29, 30], 0])
        for i, f in enumerate(strikes)
    ]
    strides = [abs(a - b) for a, b in zip(heel_x[2:], heel_x[:-2], strict=True)]
    step_m = float(np.nanmedian(strides)) / 2 * note.metres_per_pixel
    assert 0.5 <= step_m <= 0.85


def test_squats_front_report_knee_flexion_and_valgus_and_no_step_length() -> None:
    result = _result(SQUATS, height_m=1.7)
    assessment = result.sections.assessment
    assert assessment is not None and assessment.assessor.views.dominant() == "frontal"
    values = metric_values(result)
    codes = {v.metric for v in values}
    assert "squat_depth" in codes and "knee_valgus_peak" in codes
    assert "step_length" not in codes and "knee_flexion_rom" not in codes
    depth = next(v for v in values if v.metric == "squat_depth")
    assert depth.view == "frontal" and depth.quality in ("fair", "poor")  # a projected bend
    withheld = {(w.metric, w.side): w for w in withheld_values(result)}
    assert withheld[("knee_flexion_rom", "left")].reason == (
        "left knee flexion range of motion needs a side view; this recording is frontal"
    )
    # Not a walk: no gait section, so no step length, and the analysis says why.
    assert result.sections.gait is None and "gait" in result.sections.analysis.absent
    # Asked to analyse the squats as a walk, step length is still not reported: the gait
    # section is absent with its reason (5 fps is too slow for gait events), or, where events
    # are found, the length is withheld for the view.
    as_gait = _result(SQUATS, height_m=1.7, activity="gait")
    assert "step_length" not in {v.metric for v in metric_values(as_gait)}
    refused = [w for w in withheld_values(as_gait) if w.metric == "step_length"]
    if as_gait.sections.gait is None:
        assert as_gait.sections.analysis.absent["gait"].startswith("no walking analysed")
    else:
        assert refused and all(w.code == "wrong_view" and "needs a side view" in w.reason for w in refused)


def test_single_leg_stance_reports_its_view() -> None:
    result = _result(STANCE)
    assessment = result.sections.assessment
    assert assessment is not None and assessment.assessor.views.segments
    assert all(s.view in VIEWS for s in assessment.assessor.views.segments)
    summary = result.to_json()["analysis"]
    assert summary["views_text"].split()[0] in VIEWS
    stance = [v for v in metric_values(result) if v.metric == "single_leg_stance_time"]
    assert stance and stance[0].view in VIEWS and stance[0].quality in ("good", "fair", "poor")
