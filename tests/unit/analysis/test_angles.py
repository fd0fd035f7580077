"""Joint angles against a synthetic figure with known angles, plus invariance properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.angles import image_view, interior_angle, joint_angles, range_of_motion, signed_angle
from analysis.types import Trajectories
from tests.unit.analysis.synthetic import Pose, build, to_landmarks

N = 5
KNOWN = {
    "hip_flexion": np.array([0.0, 20.0, 45.0, 90.0, -15.0]),
    "knee_flexion": np.array([0.0, 10.0, 60.0, 110.0, 5.0]),
    "ankle_dorsiflexion": np.array([0.0, 10.0, -20.0, 25.0, -5.0]),
    "shoulder_flexion": np.array([0.0, 30.0, 90.0, 150.0, -30.0]),
    "elbow_flexion": np.array([0.0, 45.0, 90.0, 130.0, 10.0]),
}
LEAN = np.array([0.0, 10.0, 30.0, -10.0, 45.0])


def _pose() -> Pose:
    p = Pose(n=N, trunk_lean=LEAN)
    for name, values in KNOWN.items():
        getattr(p, name)["left"] = values
        getattr(p, name)["right"] = values[::-1].copy()
    return p


@pytest.mark.parametrize("heading", [0.0, 90.0, 180.0, -135.0])
def test_world_angles_recovered_for_any_heading(heading: float) -> None:
    lm = to_landmarks(build(_pose()), mode="world", heading_deg=heading, offset=(3.0, 0.0, -2.0))
    a = joint_angles(Trajectories.from_landmarks(lm, sampling_rate_hz=30.0, world=True))
    for name, values in KNOWN.items():
        np.testing.assert_allclose(a[f"left_{name}"], values, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(a[f"right_{name}"], values[::-1], atol=1e-6, err_msg=name)
    np.testing.assert_allclose(a["trunk_lean_sagittal"], LEAN, atol=1e-6)
    np.testing.assert_allclose(a["left_knee_angle"], 180.0 - KNOWN["knee_flexion"], atol=1e-6)
    np.testing.assert_allclose(a["trunk_lean_frontal"], 0.0, atol=1e-6)
    np.testing.assert_allclose(a["trunk_rotation"], 0.0, atol=1e-6)


@pytest.mark.parametrize("camera_on_right", [True, False])
def test_side_view_image_angles_either_walking_direction(camera_on_right: bool) -> None:
    lm = to_landmarks(build(_pose()), mode="image", camera_on_right=camera_on_right)
    traj = Trajectories.from_landmarks(lm, sampling_rate_hz=30.0)
    assert image_view(traj) == "sagittal"
    a = joint_angles(traj)
    for name, values in KNOWN.items():
        np.testing.assert_allclose(a[f"left_{name}"], values, atol=1e-6, err_msg=name)
    np.testing.assert_allclose(a["trunk_lean_sagittal"], LEAN, atol=1e-6)
    # A side view cannot see frontal-plane angles.
    assert np.isnan(a["left_knee_valgus"]).all()


def test_frontal_angles_abduction_valgus_and_lean() -> None:
    p = Pose(n=3)
    p.shoulder_abduction["left"] = np.array([0.0, 45.0, 90.0])
    p.shoulder_abduction["right"] = np.array([30.0, 60.0, 120.0])
    pts = build(p)
    # Knock-kneed left leg: move the left knee 5 cm towards the midline (+z) in frame 1 and out in 2.
    pts["left_knee"] = pts["left_knee"] + np.array([[0, 0, 0.0], [0, 0, 0.05], [0, 0, -0.05]])
    # Lean the whole upper body 0.1 m to the right (+z) in frame 2.
    for k in pts:
        if any(
            s in k
            for s in ("shoulder", "elbow", "wrist", "index", "pinky", "thumb", "ear", "eye", "nose", "mouth")
        ):
            pts[k] = pts[k] + np.array([[0, 0, 0.0], [0, 0, 0.0], [0, 0, 0.1]])
    for mode in ("world", "front"):
        traj = Trajectories.from_landmarks(
            to_landmarks(pts, mode=mode), sampling_rate_hz=30.0, world=mode == "world"
        )
        a = joint_angles(traj)
        np.testing.assert_allclose(a["left_shoulder_abduction"][:2], [0.0, 45.0], atol=1e-6)
        np.testing.assert_allclose(a["right_shoulder_abduction"][:2], [30.0, 60.0], atol=1e-6)
        # FPPA of a 5 cm knee shift on 0.45 m thigh and 0.43 m shank.
        expected = np.degrees(np.arctan(0.05 / 0.45) + np.arctan(0.05 / 0.43))
        np.testing.assert_allclose(a["left_knee_valgus"], [0.0, expected, -expected], atol=1e-6)
        np.testing.assert_allclose(a["right_knee_valgus"], 0.0, atol=1e-6)
        np.testing.assert_allclose(a["trunk_lean_frontal"][2], np.degrees(np.arctan2(0.1, 0.52)), atol=1e-6)
        if mode == "front":
            assert image_view(traj) == "frontal"
            assert np.isnan(a["left_knee_flexion"]).all()


def test_trunk_rotation_sign() -> None:
    pts = build(Pose(n=1))
    # Turn the shoulders 20 degrees so the right shoulder comes forward: rotation to the left.
    mid = 0.5 * (pts["left_shoulder"] + pts["right_shoulder"])
    for side in ("left", "right"):
        rel = pts[f"{side}_shoulder"] - mid
        t = np.radians(20.0)
        pts[f"{side}_shoulder"] = mid + np.stack(
            [rel[:, 2] * np.sin(t), rel[:, 1], rel[:, 2] * np.cos(t)], axis=1
        )
    a = joint_angles(
        Trajectories.from_landmarks(to_landmarks(pts, mode="world"), sampling_rate_hz=30.0, world=True)
    )
    assert a["trunk_rotation"][0] == pytest.approx(20.0, abs=1e-6)


def test_signed_and_interior_angle_basics() -> None:
    x, y, z = np.eye(3)
    assert signed_angle(x, y, z) == pytest.approx(90.0)
    assert signed_angle(y, x, z) == pytest.approx(-90.0)
    assert interior_angle(x, np.zeros(3), y) == pytest.approx(90.0)
    assert np.isnan(interior_angle(np.array([np.nan, 0, 0]), np.zeros(3), y))


def test_range_of_motion_ignores_missing_frames() -> None:
    rom = range_of_motion(np.array([10.0, np.nan, 70.0, 40.0]))
    assert (rom.min_deg, rom.max_deg, rom.range_deg, rom.n_frames) == (10.0, 70.0, 60.0, 3)
    assert range_of_motion(np.array([np.nan])).n_frames == 0


def _image_transform(lm: np.ndarray, angle_deg: float, scale: float, dx: float, dy: float) -> np.ndarray:
    out = lm.copy()
    t = np.radians(angle_deg)
    c, s = np.cos(t), np.sin(t)
    x, y = lm[..., 0] - 960.0, lm[..., 1] - 900.0
    out[..., 0] = scale * (c * x - s * y) + dx
    out[..., 1] = scale * (s * x + c * y) + dy
    out[..., 2] = scale * lm[..., 2]
    return out


@settings(max_examples=40, deadline=None)
@given(
    angle=st.floats(-40, 40),
    scale=st.floats(0.2, 5.0),
    dx=st.floats(-2000, 2000),
    dy=st.floats(-2000, 2000),
    camera_on_right=st.booleans(),
)
def test_image_angles_invariant_to_translation_rotation_and_scale(
    angle: float, scale: float, dx: float, dy: float, camera_on_right: bool
) -> None:
    lm = to_landmarks(build(_pose()), mode="image", camera_on_right=camera_on_right)
    ref = joint_angles(Trajectories.from_landmarks(lm, sampling_rate_hz=30.0), view="sagittal")
    moved = joint_angles(
        Trajectories.from_landmarks(_image_transform(lm, angle, scale, dx, dy), sampling_rate_hz=30.0),
        view="sagittal",
    )
    # Joint angles are relative between segments; trunk lean is relative to gravity, so it turns
    # with the image and is left out.
    for key in ref:
        if key.startswith("trunk"):
            continue
        np.testing.assert_allclose(moved[key], ref[key], atol=1e-6, err_msg=key)


def test_knee_medial_offset_in_hip_widths() -> None:
    pts = build(Pose(n=2))
    pts["right_knee"] = pts["right_knee"] + np.array([[0, 0, 0.0], [0, 0, -0.05]])  # towards the midline
    for mode in ("world", "front"):
        a = joint_angles(
            Trajectories.from_landmarks(
                to_landmarks(pts, mode=mode), sampling_rate_hz=30.0, world=mode == "world"
            )
        )
        np.testing.assert_allclose(a["right_knee_medial_offset"], [0.0, 0.05 / 0.2], atol=1e-6)
        np.testing.assert_allclose(a["left_knee_medial_offset"], 0.0, atol=1e-6)
