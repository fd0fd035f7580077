"""Flexion read from the bend at a joint (:func:`analysis.angles.bend_angles`) and the reported set.

Known answers from the synthetic figure of ``test_angles`` seen from the side (where the bend is the
sagittal angle, unsigned) and from hand-placed points; properties: invariance to scale and
translation of the image.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.angles import CONVENTION, bend_angles, joint_angles, reported_angles
from analysis.types import BlazePose, Trajectories
from tests.unit.analysis.synthetic import build, to_landmarks
from tests.unit.analysis.test_angles import KNOWN, _pose


def _side() -> Trajectories:
    return Trajectories.from_landmarks(to_landmarks(build(_pose()), mode="image"), sampling_rate_hz=30.0)


def test_in_a_side_view_the_bend_is_the_sagittal_flexion_without_its_sign() -> None:
    bend = bend_angles(_side())
    for joint, known in (
        ("knee", KNOWN["knee_flexion"]),
        ("hip", KNOWN["hip_flexion"]),
        ("elbow", KNOWN["elbow_flexion"]),
        ("shoulder", KNOWN["shoulder_flexion"]),
    ):
        np.testing.assert_allclose(bend[f"left_{joint}"], np.abs(known), atol=1e-6, err_msg=joint)
        np.testing.assert_allclose(bend[f"right_{joint}"], np.abs(known[::-1]), atol=1e-6, err_msg=joint)


def _frame(points: dict[str, tuple[float, float]]) -> Trajectories:
    lm = np.full((1, 33, 4), np.nan)
    for m in BlazePose:
        if m.name.lower() in points:
            lm[0, int(m)] = (*points[m.name.lower()], 0.0, 1.0)
    return Trajectories.from_landmarks(lm, sampling_rate_hz=30.0)


@pytest.mark.parametrize(
    ("toe", "expected_deg"),
    [((50.0, 100.0), 0.0), ((50.0, 80.0), 21.801), ((50.0, 120.0), -21.801)],
)
def test_ankle_dorsiflexion_is_positive_with_the_toes_up(
    toe: tuple[float, float], expected_deg: float
) -> None:
    """Image pixels, y down: knee above the ankle, toe in front; toes raised = dorsiflexion."""
    traj = _frame({"left_knee": (0.0, 0.0), "left_ankle": (0.0, 100.0), "left_foot_index": toe})
    got = bend_angles(traj, joints=("left_ankle",))["left_ankle"]
    assert float(got[0]) == pytest.approx(expected_deg, abs=1e-3)


def test_missing_points_give_nan_not_a_number() -> None:
    traj = _frame({"left_hip": (0.0, 0.0), "left_knee": (0.0, 100.0)})
    assert np.isnan(bend_angles(traj, joints=("left_knee",))["left_knee"]).all()


@settings(max_examples=40, deadline=None)
@given(
    scale=st.floats(0.2, 5.0),
    dx=st.floats(-500.0, 500.0),
    dy=st.floats(-500.0, 500.0),
)
def test_bend_is_invariant_to_image_scale_and_position(scale: float, dx: float, dy: float) -> None:
    lm = to_landmarks(build(_pose()), mode="image")
    moved = lm.copy()
    moved[..., 0] = lm[..., 0] * scale + dx
    moved[..., 1] = lm[..., 1] * scale + dy
    a = bend_angles(Trajectories.from_landmarks(lm, sampling_rate_hz=30.0))
    b = bend_angles(Trajectories.from_landmarks(moved, sampling_rate_hz=30.0))
    for k in a:
        np.testing.assert_allclose(a[k], b[k], atol=1e-6, err_msg=k)


def test_reported_angles_are_all_in_the_one_convention() -> None:
    traj = Trajectories.from_landmarks(to_landmarks(build(_pose()), mode="front"), sampling_rate_hz=30.0)
    reported = reported_angles(traj)
    every = joint_angles(traj)
    assert not [k for k in reported if k.endswith("_knee_angle")]  # no interior angles
    np.testing.assert_allclose(
        reported["left_knee_flexion_image_plane"], 180.0 - every["left_knee_angle"], atol=1e-9
    )
    # A front view: the plane-specific sagittal knee flexion is absent, the image-plane one is not.
    assert np.isnan(reported["left_knee_flexion"]).all()
    assert np.isfinite(reported["left_knee_flexion_image_plane"]).all()
    assert "flexion positive" in CONVENTION
