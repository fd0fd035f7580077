"""3D skeleton measures: synthetic skeletons built with known lean, rotation and flexion, turned
by known angles about the vertical (facing the camera and with the back to it), give those angles
back; and each clip value is withheld in the views it is not valid in."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.activity_frames import ActivityFrames
from analysis.angles import rotation_about_vertical
from analysis.camera_view import CameraViews, ViewConfig, ViewSegment
from analysis.measurements import Assessor, Measured, Withheld
from analysis.skeleton3d import circular_range_deg, skeleton_measures, skeleton_values
from analysis.types import BlazePose as BP
from analysis.types import Trajectories

# MediaPipe world axes: x right, y down, z away from the camera. A subject facing the camera has
# their right towards -x, up towards -y and faces -z.
RIGHT, UP, FORWARD = np.array([-1.0, 0, 0]), np.array([0, -1.0, 0]), np.array([0, 0, -1.0])


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _turn(v: np.ndarray, deg: float) -> np.ndarray:
    """``v`` rotated about the vertical by ``deg`` (right-hand rule about up: to the subject's left)."""
    t = np.radians(deg)
    return v * np.cos(t) + np.cross(UP, v) * np.sin(t) + UP * (UP @ v) * (1 - np.cos(t))


def skeleton(
    *,
    forward_lean: float,
    lateral_lean: float,
    trunk_rotation: float,
    hip_flexion: float,
    knee_flexion: float,
) -> np.ndarray:
    """One frame ``(33, 3)`` facing the camera, pelvis at the origin. Hip flexion is built
    against the trunk's downward line in the trunk's sagittal plane (lateral lean 0 for it)."""
    p = np.zeros((33, 3))
    lf, ll = np.radians(forward_lean), np.radians(lateral_lean)
    trunk = _unit(np.tan(ll) * RIGHT + UP + np.tan(lf) * FORWARD)
    mid_sh = 0.5 * trunk
    sh_right = _turn(RIGHT, trunk_rotation)
    p[BP.LEFT_SHOULDER], p[BP.RIGHT_SHOULDER] = mid_sh - 0.18 * sh_right, mid_sh + 0.18 * sh_right
    down = -trunk
    ant = _unit(FORWARD - (FORWARD @ trunk) * trunk)
    h, k = np.radians(hip_flexion), np.radians(knee_flexion)
    thigh = np.cos(h) * down + np.sin(h) * ant
    thigh_front = -np.sin(h) * down + np.cos(h) * ant
    shank = np.cos(k) * thigh - np.sin(k) * thigh_front
    for side, sign in (("LEFT", -1.0), ("RIGHT", 1.0)):
        hip = sign * 0.1 * RIGHT
        knee = hip + 0.42 * thigh
        ankle = knee + 0.40 * shank
        p[BP[f"{side}_HIP"]], p[BP[f"{side}_KNEE"]], p[BP[f"{side}_ANKLE"]] = hip, knee, ankle
        p[BP[f"{side}_HEEL"]] = ankle - 0.05 * FORWARD - 0.05 * UP
        p[BP[f"{side}_FOOT_INDEX"]] = ankle + 0.15 * FORWARD - 0.07 * UP
        sh = p[BP[f"{side}_SHOULDER"]]
        p[BP[f"{side}_ELBOW"]] = sh - 0.3 * UP
        p[BP[f"{side}_WRIST"]] = sh - 0.55 * UP
        for part in ("PINKY", "INDEX", "THUMB"):
            p[BP[f"{side}_{part}"]] = sh - 0.62 * UP
        for part in ("EYE", "EYE_INNER", "EYE_OUTER", "EAR"):
            p[BP[f"{side}_{part}"]] = mid_sh + 0.2 * trunk + sign * 0.04 * sh_right
    p[BP.NOSE] = mid_sh + 0.2 * trunk + 0.08 * FORWARD
    p[BP.MOUTH_LEFT], p[BP.MOUTH_RIGHT] = p[BP.NOSE] + 0.02 * UP, p[BP.NOSE] - 0.02 * UP
    return p


def _landmarks(frame: np.ndarray, *, yaw_deg: float, frames: int = 3) -> np.ndarray:
    turned = np.array([_turn(v, yaw_deg) for v in frame]) + np.array([0.3, -0.2, 2.0])
    out = np.ones((frames, 33, 4))
    out[..., :3] = turned
    return out


def _wrap(deg: float) -> float:
    return (deg + 180.0) % 360.0 - 180.0 if (deg + 180.0) % 360.0 != 0 else 180.0


@pytest.mark.parametrize("facing", [0.0, 180.0], ids=["facing-camera", "back-to-camera"])
@pytest.mark.parametrize("yaw", [0.0, 35.0, -60.0])
@pytest.mark.parametrize(
    ("forward_lean", "lateral_lean", "trunk_rotation"),
    [(20.0, 0.0, 0.0), (35.0, -12.0, 25.0), (-8.0, 15.0, -30.0)],
)
def test_trunk_lean_and_rotation_are_exact(
    facing: float, yaw: float, forward_lean: float, lateral_lean: float, trunk_rotation: float
) -> None:
    frame = skeleton(
        forward_lean=forward_lean, lateral_lean=lateral_lean, trunk_rotation=trunk_rotation,
        hip_flexion=10.0, knee_flexion=5.0,
    )  # fmt: skip
    m = skeleton_measures(_landmarks(frame, yaw_deg=facing + yaw), sampling_rate_hz=30.0)
    assert m["trunk_forward_lean"] == pytest.approx(forward_lean, abs=1.0)
    assert m["trunk_lateral_lean"] == pytest.approx(lateral_lean, abs=1.0)
    assert m["trunk_rotation"] == pytest.approx(trunk_rotation, abs=1.0)
    pelvis = _wrap(facing + yaw)
    assert abs(_wrap(float(m["pelvis_rotation"][0]) - pelvis)) < 1.0
    assert abs(_wrap(float(m["shoulder_rotation"][0]) - (pelvis + trunk_rotation))) < 1.0


@pytest.mark.parametrize("facing", [0.0, 180.0], ids=["facing-camera", "back-to-camera"])
@pytest.mark.parametrize("yaw", [0.0, 50.0, -90.0])
@pytest.mark.parametrize(
    ("hip_flexion", "knee_flexion"), [(0.0, 0.0), (45.0, 60.0), (95.0, 110.0), (-15.0, 20.0)]
)
def test_depth_aware_flexion_is_exact_in_every_facing(
    facing: float, yaw: float, hip_flexion: float, knee_flexion: float
) -> None:
    frame = skeleton(
        forward_lean=25.0,
        lateral_lean=0.0,
        trunk_rotation=0.0,
        hip_flexion=hip_flexion,
        knee_flexion=knee_flexion,
    )
    m = skeleton_measures(_landmarks(frame, yaw_deg=facing + yaw), sampling_rate_hz=30.0)
    for side in ("left", "right"):
        assert m[f"{side}_knee_flexion"] == pytest.approx(knee_flexion, abs=1.0)
        assert m[f"{side}_hip_flexion"] == pytest.approx(hip_flexion, abs=1.0)


def test_unseen_landmarks_give_nan_not_a_number() -> None:
    lm = _landmarks(
        skeleton(forward_lean=0, lateral_lean=0, trunk_rotation=0, hip_flexion=0, knee_flexion=0), yaw_deg=0
    )
    lm[1, BP.RIGHT_HIP, 3] = 0.1
    lm[2, BP.RIGHT_ANKLE, 3] = 0.1
    m = skeleton_measures(lm, sampling_rate_hz=30.0)
    assert np.isnan(m["pelvis_rotation"][1]) and np.isfinite(m["pelvis_rotation"][0])
    assert np.isnan(m["left_knee_flexion"][1])  # the body frame needs both hips
    assert np.isnan(m["right_knee_flexion"][2]) and np.isfinite(m["left_knee_flexion"][2])


def test_rotation_about_the_vertical_refuses_image_landmarks() -> None:
    lm = _landmarks(
        skeleton(forward_lean=0, lateral_lean=0, trunk_rotation=0, hip_flexion=0, knee_flexion=0), yaw_deg=0
    )
    with pytest.raises(ValueError, match="3D"):
        rotation_about_vertical(Trajectories.from_landmarks(lm, sampling_rate_hz=30.0))


def test_circular_range_crosses_180() -> None:
    assert circular_range_deg(np.array([175.0, -178.0, 179.0, np.nan])) == pytest.approx(7.0)
    assert circular_range_deg(np.array([-10.0, 25.0])) == pytest.approx(35.0)
    assert np.isnan(circular_range_deg(np.array([np.nan])))


def _assessor(view: str, n: int) -> Assessor:
    # Image landmarks: a plain projection of a standing body, still (no jitter), all seen.
    frame = skeleton(forward_lean=0, lateral_lean=0, trunk_rotation=0, hip_flexion=0, knee_flexion=0)
    image = np.ones((n, 33, 4))
    image[..., :2] = frame[:, :2] * 400.0 + np.array([320.0, 240.0])
    image[..., 2] = 0.0
    views = CameraViews(
        segments=(ViewSegment(view=view, start_frame=0, end_frame=n - 1, yaw_deg=0.0),),  # type: ignore[arg-type]
        n_frames=n,
        sampling_rate_hz=30.0,
        config=ViewConfig(),
    )
    return Assessor(
        views=views,
        activity=ActivityFrames(activity="squat", mask=np.ones(n, dtype=bool), sampling_rate_hz=30.0),
        landmarks=image,
        sampling_rate_hz=30.0,
        activity_name="squat",
        scale_reason=None,
    )


def _clip(n: int = 60) -> np.ndarray:
    """A squat with a known deepest knee flexion (90 deg) and forward lean (30 deg), pelvis
    turning between -10 and +10 deg."""
    frames = []
    for i in range(n):
        phase = np.sin(np.pi * i / (n - 1))
        f = skeleton(
            forward_lean=30.0 * phase, lateral_lean=8.0 * phase, trunk_rotation=0.0,
            hip_flexion=80.0 * phase, knee_flexion=90.0 * phase,
        )  # fmt: skip
        frames.append(_landmarks(f, yaw_deg=-10.0 + 20.0 * i / (n - 1), frames=1)[0])
    return np.stack(frames)


@pytest.mark.parametrize("view", ["sagittal", "frontal", "oblique"])
def test_values_follow_the_view_validity_table(view: str) -> None:
    measures = skeleton_measures(_clip(), sampling_rate_hz=30.0)
    judged = {(j.metric, j.side): j for j in skeleton_values(measures, _assessor(view, 60))}
    expected = {
        ("knee_flexion_peak_3d", "left"): 90.0,
        ("knee_flexion_peak_3d", "right"): 90.0,
        ("trunk_forward_lean_3d", ""): 30.0,
        ("trunk_lateral_lean_3d", ""): 8.0,
        ("pelvis_rotation_3d", ""): 20.0,
    }
    valid = {
        "sagittal": {"knee_flexion_peak_3d", "hip_flexion_peak_3d", "trunk_forward_lean_3d"},
        "frontal": {"knee_flexion_peak_3d", "hip_flexion_peak_3d", "trunk_lateral_lean_3d", "trunk_rotation_3d",
                    "pelvis_rotation_3d"},
        "oblique": {"knee_flexion_peak_3d", "hip_flexion_peak_3d", "trunk_forward_lean_3d", "trunk_lateral_lean_3d",
                    "trunk_rotation_3d", "pelvis_rotation_3d"},
    }[view]  # fmt: skip
    for (metric, side), value in expected.items():
        j = judged[(metric, side)]
        if metric in valid:
            assert isinstance(j, Measured), j
            assert j.value == pytest.approx(value, abs=1.0)
            assert j.unit == "deg" and "3D skeleton" in j.method
            if metric.startswith("knee"):
                assert (j.quality == "fair") == (view != "sagittal")
        else:
            assert isinstance(j, Withheld) and j.code == "wrong_view", j
            assert f"this recording is {view}" in j.reason
