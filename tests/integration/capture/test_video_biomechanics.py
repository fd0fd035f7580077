"""Biomechanics of the shared videos through the pose engine (issue 4 checks), against the annotations.

Real inference, one run per video and setting per session (:mod:`video_cache`); the sections are
computed by :func:`capture.sections.attach_sections`, the function ``analyze_video`` calls.
Ground truth: ``ground_truth_videos.csv`` and MANIFEST.md.

Settings: every clip runs with the command's defaults (3 people per frame). The one-person clips
are then re-estimated with one pose by the single-person pass (the rule is in
:mod:`capture.refine`); without it the right knee at the squat bottoms is 7-13 deg off (three
poses: 109.8/106.2/105.4 deg against the annotated 103/93/94). On the walking clip the walker's
first frames are found by region-of-interest re-detection before the detector's first hit
(track-start backfill, :func:`capture.refine.backfill_track`: frame 38 instead of 59).
"""

from __future__ import annotations

import csv
import itertools
import math
import re
from typing import Any

import pytest

from capture.pipeline import VideoAnalysis
from capture.sections import attach_sections
from clinic.validation.present import measured_sentence
from clinic.validation.run import metric_entries
from clinic.validation.scoring import CaseResult, score_sections
from tests.conftest import SHARED_DATA
from tests.integration.capture.video_cache import analysed

pytestmark = pytest.mark.slow

WALK = "walk_side_two_people.mp4"
# A heel strike farther than this from every annotation is invented: half a step is ~9 frames here.
MATCH_FRAMES = 4


def _truth(video: str) -> list[dict[str, str]]:
    with (SHARED_DATA / "ground_truth_videos.csv").open(newline="") as fh:
        return [row for row in csv.DictReader(fh) if row["file"] == video]


@pytest.fixture(scope="session")
def walk() -> tuple[VideoAnalysis, dict[str, Any]]:
    analysis = analysed(WALK)
    return analysis, attach_sections(analysis, activity="auto")


def _walk_strikes(walk: tuple[VideoAnalysis, dict[str, Any]]) -> tuple[list[dict[str, str]], list[int]]:
    _, sections = walk
    truth = [r for r in _truth(WALK) if r["kind"] == "heel_strike"]
    found = [e["frame"] for e in sections["gait"]["heel_strikes"]]
    return truth, found


def test_walk_heel_strikes_none_invented_and_all_seen_ones_found(
    walk: tuple[VideoAnalysis, dict[str, Any]],
) -> None:
    analysis, sections = walk
    assert sections["analysis"]["detected"] == ["gait"]
    assert sections["exercise"] is None and sections["balance"] is None
    truth, found = _walk_strikes(walk)
    subject = next(p for p in analysis.people if p.id == analysis.subject)
    print(f"\nsubject tracked in frames {subject.first_frame}-{subject.last_frame}; heel strikes {found}")
    errors: dict[str, int | None] = {}
    for row in truth:
        frame = int(row["frame_0based"])
        near = [f - frame for f in found if abs(f - frame) <= MATCH_FRAMES]
        errors[row["label"]] = min(near, key=abs) if near else None
        print(
            f"{row['label']} annotated {frame} (tol {row['tolerance_frames']}): error {errors[row['label']]}"
        )
    segments = {r["label"]: int(r["frame_0based"]) for r in _truth(WALK) if r["kind"] == "segment"}
    window = range(segments["walker_enters_right"], segments["walker_exits_left"] + 1)
    # None invented: every strike inside the walking window belongs to an annotated one.
    for f in found:
        if f in window:
            assert any(abs(f - int(r["frame_0based"])) <= MATCH_FRAMES for r in truth), f
    # Every annotated strike the pose engine could see (tracked in the 5 frames either side) is found.
    for row in truth:
        frame = int(row["frame_0based"])
        if subject.first_frame <= frame - 5 and frame + 5 <= subject.last_frame:
            assert errors[row["label"]] is not None, row["label"]
    # Sides alternate, as in walking.
    sides = [e["side"] for e in sections["gait"]["heel_strikes"]]
    assert all(a != b for a, b in itertools.pairwise(sides))


# Lag of each visible heel strike behind its annotation (frames at 30 fps), HS2-HS9 (HS1, frame
# 39, is not measurable: in frames 38-44 the walker's legs are behind the tree and the pose model
# puts both heels within 4 px of each other). Measured once when the lag was studied (issue 15);
# the validation report measures it anew on each run.
WALK_LAG_FRAMES = (2, 4, 3, 2, 2, 2, 2, 2)


def test_walk_heel_strike_lag_is_the_stated_definition_difference(
    walk: tuple[VideoAnalysis, dict[str, Any]],
) -> None:
    """Each visible strike is found, later than annotated by a systematic lag: the difference of
    definitions the validation report states (``analysis.gait.contact.VIDEO_CONTACT_DEFINITION``)
    and measures, so HS3 and HS4 miss their 2-frame tolerance by design, not by noise.

    What was measured when the lag was studied: the heel-forward maxima (Zeni 2008) on
    MediaPipe's feet come 1.7-3.6 frames after the annotated contacts (sub-frame: HS2 +1.7, HS3
    +3.6, HS4 +2.8, HS5 +2.4, HS6 +1.7, HS7 +2.1, HS8 +2.1, HS9 +1.7); on those frames the sandal
    still moves forward at about twice the pelvis speed for 2 frames after the annotated instant,
    with the same lag on heel, ankle, toe and foot centre, for 4-15 Hz cut-offs, with the lite and
    heavy models and in IMAGE mode (no temporal filter). Image heights are too noisy (foot
    clearance ~10 px) to time the landing vertically. A second signal agrees: the thigh's forward
    maximum (peak hip flexion) comes 138-152 ms before force-plate contact on the overground mocap
    trial but only ~1 frame before the annotated contacts here. Matching the annotation would take
    an offset fitted to this one clip.
    """
    truth, found = _walk_strikes(walk)
    lags = []
    for row in truth[1:]:  # HS1 is hidden behind the tree
        frame = int(row["frame_0based"])
        lags.append(min((f - frame for f in found if abs(f - frame) <= MATCH_FRAMES), key=abs))
    print(f"\nheel-strike lag behind the annotation (frames): {lags}")
    assert len(lags) == len(WALK_LAG_FRAMES)
    for got, stated in zip(lags, WALK_LAG_FRAMES, strict=True):
        assert abs(got - stated) <= 1
    assert all(lag > 0 for lag in lags) and sorted(lags)[len(lags) // 2] == 2

    # The report's sentence, computed from the same strikes as ``manage.py validate`` scores them.
    analysis, sections = walk
    rate = analysis.video.sampling_rate_hz
    scored = score_sections(
        CaseResult(WALK, "video", "test"), sections, tuple(_truth(WALK)), sampling_rate_hz=rate
    )
    metric = next(m for m in metric_entries([scored]) if m["code"] == "heel_strike_time_video")
    sentence = measured_sentence(metric, metric["cases"][0])
    print(sentence)
    assert metric["cases"][0]["not_found"] == ["HS1 at frame 39"]
    assert sentence is not None and sentence.startswith(
        f"In this run: median 2 frames (66.7 ms) late, range {min(lags)} to {max(lags)} frames, "
        f"over {len(lags)} heel strikes of {WALK} at {rate:g} fps"
    )


def test_walk_cadence_within_3_percent(walk: tuple[VideoAnalysis, dict[str, Any]]) -> None:
    _, sections = walk
    truth = [r for r in _truth(WALK) if r["kind"] == "heel_strike"]
    times = [float(r["time_s"]) for r in truth]
    annotated = 60.0 * (len(times) - 1) / (times[-1] - times[0])
    got = sections["gait"]["cadence_steps_per_min"]
    error_pct = 100.0 * (got - annotated) / annotated
    print(f"\ncadence {got:.1f} steps/min, annotated {annotated:.1f}: error {error_pct:+.2f} %")
    assert abs(error_pct) < 3.0
    assert sections["gait"]["step_time_s"]["both"]["n"] >= 5


def test_walk_lengths_in_metres_only_with_a_height(walk: tuple[VideoAnalysis, dict[str, Any]]) -> None:
    analysis, sections = walk
    assert sections["analysis"]["scale"]["source"] == "none"
    assert sections["gait"]["step_length_m"] is None
    analysis.height_m = 1.65
    try:
        scaled = attach_sections(analysis, activity="gait")
    finally:
        analysis.height_m = None
        attach_sections(analysis, activity="auto")
    assert scaled["analysis"]["scale"]["source"] == "height"
    step = scaled["gait"]["step_length_m"]["both"]["mean"]
    speed = scaled["gait"]["gait_speed_m_per_s"]
    print(f"\nstep length {step:.2f} m, speed {speed:.2f} m/s (height 1.65 m assumed)")
    # An adult's walk: between a shuffle and a brisk stride.
    assert 0.35 < step < 0.9 and 0.5 < speed < 1.6


def test_squats_two_complete_one_partial_and_bottom_knee_angles() -> None:
    analysis = analysed("squats_front.mp4")
    assert analysis.refinement["single_person_pass"] == analysis.frames  # the one-person rule applied
    sections = attach_sections(analysis, activity="auto")
    exercise = sections["exercise"]
    assert exercise["kind"] == "squat"
    assert (exercise["complete_reps"], exercise["partial_reps"]) == (2, 1)
    assert [r["complete"] for r in exercise["reps"]] == [True, True, False]
    bottoms = [r for r in _truth("squats_front.mp4") if r["label"].endswith("_bottom")]
    for rep, row in zip(exercise["reps"], bottoms, strict=True):
        assert abs(rep["bottom_frame"] - int(row["frame_0based"])) <= int(row["tolerance_frames"])
        # The annotation gives interior knee angles (180 = straight); the library knee flexion.
        left, right = (180.0 - float(x) for x in re.findall(r"(\d+) ", row["notes"].split("about")[1])[:2])
        got_l = rep["angles"]["left_knee_flexion_image_plane"]
        got_r = rep["angles"]["right_knee_flexion_image_plane"]
        print(
            f"\n{row['label']}: knee {got_l:.1f}/{got_r:.1f} deg, annotated {left:.0f}/{right:.0f} "
            f"(errors {got_l - left:+.1f}/{got_r - right:+.1f})"
        )
        assert abs(got_l - left) <= 8.0 and abs(got_r - right) <= 8.0
    assert sections["gait"] is None and "no walking" in sections["analysis"]["absent"]["gait"]


@pytest.fixture(scope="session")
def stance() -> dict[str, Any]:
    return attach_sections(analysed("single_leg_stance.mp4"), activity="single_leg_stance")


def test_single_leg_stance_sway_is_reported(stance: dict[str, Any]) -> None:
    balance = stance["balance"]
    sway = balance["sway"]
    longest = balance["single_leg_stance"]["longest"]
    print(f"\nlongest stance {longest}; sway {sway}")
    for key in ("path_length", "ellipse_area_95", "mean_velocity"):
        assert math.isfinite(sway[key]) and sway[key] > 0, key
    assert sway["units"] == "px"  # no height given: image units, said so
    assert stance["exercise"] is None and stance["gait"] is None


def test_single_leg_stance_whole_clip_without_touchdown(stance: dict[str, Any]) -> None:
    sls = stance["balance"]["single_leg_stance"]
    print(f"\nbouts {sls['bouts']}")
    # The free foot is level with the stance foot around frames 60-70 but swinging past it at 3.8-5.4
    # leg lengths/s (StanceConfig): not a touchdown.
    assert not sls["touchdown"] and len(sls["bouts"]) == 1
    assert sls["longest"]["duration_s"] >= 0.95 * sls["recording_s"]
