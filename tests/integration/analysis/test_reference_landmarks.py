"""Squat repetitions and knee angles from MediaPipe's published reference landmarks of squats_front.mp4.

The reference is BlazePose *full* output (not ground truth); the annotations in
ground_truth_videos.csv are the ground truth. This checks the library on real landmarks; the same
check through the project's own pose engine belongs to the video tests.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np

from analysis.exercise import analyze_exercise, guess_exercise
from analysis.refine3d import refine_skeleton
from analysis.report import video_sections
from analysis.types import Trajectories

FPS = 5.0


def _landmarks(shared_data: Path, which: str) -> np.ndarray:
    data = np.asarray(
        json.loads(
            (shared_data / "videos" / f"squats_front.reference_blazepose_full_{which}.json").read_text()
        )
    )
    return np.concatenate([data, np.ones((*data.shape[:2], 1))], axis=-1)


def _truth(shared_data: Path) -> list[dict[str, str]]:
    with open(shared_data / "ground_truth_videos.csv", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["file"] == "squats_front.mp4"]


def test_squat_reps_and_bottom_knee_angles(shared_data: Path) -> None:
    traj = Trajectories.from_landmarks(_landmarks(shared_data, "2d"), sampling_rate_hz=FPS)
    assert guess_exercise(traj) == "squat"
    res = analyze_exercise(traj, "squat")
    assert (res.complete_reps, res.partial_reps) == (2, 1)
    truth = _truth(shared_data)
    bottoms = [r for r in truth if r["label"].endswith("_bottom")]
    starts = [r for r in truth if r["label"].endswith("_descent_start")]
    for rep, gt, st in zip(res.reps, bottoms, starts, strict=True):
        assert abs(rep.bottom_frame - int(gt["frame_0based"])) <= int(gt["tolerance_frames"])
        assert abs(rep.start_frame - int(st["frame_0based"])) <= 1 + int(st["tolerance_frames"])
        # Notes read e.g. "reference knee angle minimum about 96 deg left / 103 deg right": interior
        # angles (180 = straight); the library reports knee flexion (0 = straight), 180 minus them.
        left, right = (180.0 - float(x) for x in re.findall(r"\d+", gt["notes"])[:2])
        got_l = rep.angles_at_bottom["left_knee_flexion_image_plane"]
        got_r = rep.angles_at_bottom["right_knee_flexion_image_plane"]
        print(f"rep {rep.index}: knee angles {got_l:.1f}/{got_r:.1f} deg, reference {left:.0f}/{right:.0f}")
        assert abs(got_l - left) < 8.0 and abs(got_r - right) < 8.0
    assert res.reps[2].reason is not None and "recording ends" in res.reps[2].reason


def test_refinement_on_reference_world_landmarks(shared_data: Path) -> None:
    res = refine_skeleton(_landmarks(shared_data, "world3d"), _landmarks(shared_data, "2d"))
    print(
        f"bone-length CV {res.bone_cv_before_pct:.2f} % -> {res.bone_cv_after_pct:.3f} %, "
        f"reprojection {res.reprojection_px_before:.1f} -> {res.reprojection_px_after:.1f} px"
    )
    assert res.bone_cv_before_pct > 2.0
    assert res.bone_cv_after_pct < 0.2 * res.bone_cv_before_pct
    assert res.reprojection_px_after <= res.reprojection_px_before
    assert 0.3 < res.bone_lengths_m["left_hip-left_knee"] < 0.6
    # The fitted skeleton stays near MediaPipe's estimate (no drift).
    world = _landmarks(shared_data, "world3d")[..., :3]
    assert float(np.mean(np.linalg.norm(res.world[:, 23:29] - world[:, 23:29], axis=2))) < 0.05


def test_video_sections_for_the_squat_clip(shared_data: Path) -> None:
    out = json.loads(
        json.dumps(video_sections(_landmarks(shared_data, "2d"), sampling_rate_hz=FPS).to_json())
    )
    assert out["exercise"]["kind"] == "squat"
    assert (out["exercise"]["complete_reps"], out["exercise"]["partial_reps"]) == (2, 1)
    assert [r["bottom_frame"] for r in out["exercise"]["reps"]] == [10, 34, 59]
    assert out["gait"] is None  # squatting in place: no steps
    assert "left_knee_angle" not in out["angles"]  # interior angles are not reported
    assert out["angles"]["left_knee_flexion_image_plane"]["max_deg"] > 80
