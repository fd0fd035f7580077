"""PersonPose construction from MediaPipe-style output: units, box, COCO-17 view, validation."""

from __future__ import annotations

import numpy as np
import pytest

from capture.landmarks import COCO17_FROM_BLAZEPOSE, COCO17_NAMES, LANDMARK_NAMES, NUM_LANDMARKS
from capture.pose import PoseConfig, person_from_arrays


def _arrays(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    normalized = np.column_stack(
        [rng.uniform(0.2, 0.8, 33), rng.uniform(0.1, 0.9, 33), rng.uniform(-0.3, 0.3, 33)]
    )
    return normalized, rng.uniform(0, 1, 33), rng.uniform(0, 1, 33), rng.normal(0, 0.4, (33, 3))


def test_pixel_coordinates_scale_x_and_z_by_width_and_y_by_height() -> None:
    normalized, visibility, presence, world = _arrays()
    pose = person_from_arrays(normalized, visibility, presence, world, width_px=640, height_px=480)
    assert pose.image.shape == (NUM_LANDMARKS, 4)
    np.testing.assert_allclose(pose.image[:, 0], normalized[:, 0] * 640)
    np.testing.assert_allclose(pose.image[:, 1], normalized[:, 1] * 480)
    np.testing.assert_allclose(pose.image[:, 2], normalized[:, 2] * 640)
    np.testing.assert_allclose(pose.image[:, 3], visibility)
    np.testing.assert_allclose(pose.world[:, :3], world)
    np.testing.assert_allclose(pose.world[:, 3], visibility)
    np.testing.assert_allclose(pose.presence, presence)
    np.testing.assert_allclose(pose.normalized, normalized)


def test_bbox_is_landmark_extent_clipped_to_the_frame() -> None:
    normalized, visibility, presence, world = _arrays()
    normalized[5, :2] = [-0.5, 0.5]  # a landmark MediaPipe places left of the frame
    normalized[9, :2] = [0.5, 1.4]  # and one below it
    pose = person_from_arrays(normalized, visibility, presence, world, width_px=100, height_px=200)
    assert pose.bbox[0] == 0.0
    assert pose.bbox[3] == 200.0
    assert pose.bbox[1] == pytest.approx(normalized[:, 1].min() * 200)
    assert pose.bbox[2] == pytest.approx(normalized[:, 0].max() * 100)


def test_coco17_view_picks_the_named_blazepose_landmarks_in_coco_order() -> None:
    normalized, visibility, presence, world = _arrays(1)
    pose = person_from_arrays(normalized, visibility, presence, world, width_px=300, height_px=300)
    assert pose.coco17.shape == (17, 4)
    for coco_index, name in enumerate(COCO17_NAMES):
        np.testing.assert_array_equal(pose.coco17[coco_index], pose.image[LANDMARK_NAMES.index(name)])
    assert list(COCO17_FROM_BLAZEPOSE[[0, 5, 15, 16]]) == [0, 11, 27, 28]


def test_wrong_shape_is_rejected_with_the_expected_shape_named() -> None:
    normalized, visibility, presence, world = _arrays()
    with pytest.raises(ValueError, match=r"normalized_xyz must have shape \(33, 3\)"):
        person_from_arrays(normalized[:17], visibility, presence, world, width_px=10, height_px=10)


@pytest.mark.parametrize(
    "kwargs", [{"num_poses": 0}, {"min_pose_detection_confidence": 1.5}, {"min_tracking_confidence": -0.1}]
)
def test_pose_config_rejects_impossible_settings(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        PoseConfig(**kwargs)  # type: ignore[arg-type]
