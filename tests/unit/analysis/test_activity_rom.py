"""Range of motion over the activity's frames, not over every frame of the file."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.activity_frames import activity_frames, cycle_range, ranges_over
from analysis.angles import joint_angles
from analysis.camera_view import CameraViews, ViewConfig, ViewSegment
from analysis.report import video_sections
from analysis.types import Trajectories
from tests.unit.analysis.synthetic import Pose, build, to_landmarks

RATE_HZ = 30.0


def _views(n: int, view: str = "sagittal") -> CameraViews:
    return CameraViews(
        segments=(ViewSegment(view=view, start_frame=0, end_frame=n - 1, yaw_deg=90.0),),  # type: ignore[arg-type]
        n_frames=n,
        sampling_rate_hz=RATE_HZ,
        config=ViewConfig(),
    )


def test_ranges_use_the_activity_frames_and_the_views_of_each_plane() -> None:
    knee = np.concatenate(
        [np.full(10, 150.0), 45 - 45 * np.cos(np.linspace(0, 4 * np.pi, 80)), np.full(10, -30.0)]
    )
    valgus = np.full(100, 5.0)
    activity = activity_frames(
        activity="squat", spans=[(10, 49), (50, 89)], n_frames=100, sampling_rate_hz=RATE_HZ
    )
    ranges = ranges_over(
        {"left_knee_flexion": knee, "left_knee_valgus": valgus}, activity=activity, views=_views(100)
    )
    assert ranges["left_knee_flexion"].range_deg == pytest.approx(90.0, abs=0.1)  # not 180
    assert ranges["left_knee_flexion"].n_frames == 80
    # A frontal angle is not measured from a side view.
    assert ranges["left_knee_valgus"].n_frames == 0
    # Without an activity every frame counts, as said in its description.
    whole = activity_frames(activity=None, spans=[], n_frames=100, sampling_rate_hz=RATE_HZ)
    assert ranges_over({"left_knee_flexion": knee}, activity=whole, views=_views(100))[
        "left_knee_flexion"
    ].range_deg == pytest.approx(180.0)
    assert whole.describe().startswith("whole recording, 100 frames")


def test_a_typical_stride_ignores_one_mistracked_frame() -> None:
    t = np.arange(120) / RATE_HZ
    knee = 30 + 30 * np.sin(2 * np.pi * t)  # 0-60 deg, one cycle per second
    knee[50] = 140.0  # one frame of another person's leg
    cycles = [(0, 29), (30, 59), (60, 89), (90, 119)]
    rom = cycle_range(knee, cycles)
    assert rom is not None and rom.range_deg == pytest.approx(60.0, abs=0.5)
    assert cycle_range(np.full(120, np.nan), cycles) is None


def _squats_with_junk() -> np.ndarray:
    """1 s standing, 3 squats to 90 deg of knee flexion (2 s each), 1 s standing, then 0.5 s in
    which the tracker takes another body (hip and knee points thrown to a folded pose)."""
    n_rep = int(2 * RATE_HZ)
    rep = 45 - 45 * np.cos(np.linspace(0, 2 * np.pi, n_rep))
    knee = np.concatenate(
        [np.zeros(int(RATE_HZ)), rep, rep, rep, np.zeros(int(RATE_HZ)), np.zeros(int(0.5 * RATE_HZ))]
    )
    pose = Pose(n=knee.size)
    for side in ("left", "right"):
        pose.knee_flexion[side] = knee
        pose.hip_flexion[side] = 0.9 * knee
        pose.ankle_dorsiflexion[side] = 0.3 * knee
    pose.pelvis = np.stack(
        [np.zeros(knee.size), 0.95 - 0.3 * (1 - np.cos(np.radians(knee))), np.zeros(knee.size)], axis=1
    )
    landmarks = to_landmarks(build(pose), mode="image", px_per_m=300)
    junk = slice(knee.size - int(0.5 * RATE_HZ), knee.size)
    landmarks[junk, 25, :2] = landmarks[junk, 23, :2] + np.array([120.0, 60.0])  # left knee far forward-up
    landmarks[junk, 27, :2] = landmarks[junk, 23, :2] + np.array([0.0, 30.0])  # ankle back by the hip
    return landmarks


def test_squat_range_of_motion_is_taken_over_the_repetitions() -> None:
    landmarks = _squats_with_junk()
    every_frame = joint_angles(
        Trajectories.from_landmarks(landmarks, sampling_rate_hz=RATE_HZ), view="sagittal"
    )
    assert np.nanmax(every_frame["left_knee_flexion"]) > 150  # what the junk frames would add
    sections = video_sections(landmarks, sampling_rate_hz=RATE_HZ, exercise="squat")
    assert sections.exercise is not None and sections.exercise.result.complete_reps == 3
    left, right = sections.angles["left_knee_flexion"], sections.angles["right_knee_flexion"]
    # The repetitions go 0-90 deg (the 6 Hz filter rounds the turns a little); the junk frames
    # would make the left knee's range far larger.
    assert left.range_deg == pytest.approx(90.0, abs=4.0)
    assert right.range_deg == pytest.approx(90.0, abs=4.0)
    assert sections.assessment is not None
    assert "squat" in sections.assessment.assessor.activity.describe()
