"""Camera view per segment from a synthetic figure turned about the vertical (known yaw)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.camera_view import ViewConfig, camera_views, yaw_per_frame
from analysis.types import Trajectories
from tests.unit.analysis.synthetic import HALF_HIP, HALF_SHOULDER, TRUNK, Pose, build, to_landmarks

RATE_HZ = 30.0
#: The synthetic figure's own width ratio facing the camera (its proportions, not a person's).
FIGURE_RATIO = (2 * HALF_SHOULDER + 2 * HALF_HIP) / TRUNK


def _standing(heading_deg: float | np.ndarray, *, seconds: float = 3.0) -> Trajectories:
    """A figure standing with arms hanging, seen by a camera in front of heading 0."""
    n = int(seconds * RATE_HZ)
    pts = build(Pose(n=n))
    headings = np.broadcast_to(np.asarray(heading_deg, dtype=float), (n,))
    frames = [
        to_landmarks({k: v[i : i + 1] for k, v in pts.items()}, mode="front", heading_deg=h)
        for i, h in enumerate(headings)
    ]
    return Trajectories.from_landmarks(np.concatenate(frames), sampling_rate_hz=RATE_HZ)


@pytest.mark.parametrize("heading", [0.0, 30.0, 60.0, 90.0])
def test_yaw_is_the_turn_away_from_the_camera(heading: float) -> None:
    yaw = yaw_per_frame(_standing(heading, seconds=0.5), frontal_width_ratio=FIGURE_RATIO)
    np.testing.assert_allclose(yaw, heading, atol=1.0)


@pytest.mark.parametrize(
    ("heading", "view"),
    [
        (0.0, "frontal"),
        (20.0, "frontal"),
        (180.0, "frontal"),
        (45.0, "oblique"),
        (75.0, "sagittal"),
        (90.0, "sagittal"),
        (-90.0, "sagittal"),
    ],
)
def test_one_view_per_still_recording(heading: float, view: str) -> None:
    views = camera_views(_standing(heading), config=ViewConfig(frontal_width_ratio=FIGURE_RATIO))
    assert [s.view for s in views.segments] == [view]
    assert (views.segments[0].start_frame, views.segments[0].end_frame) == (0, 89)


def test_anthropometric_ratio_classifies_the_figure_as_well() -> None:
    # The default ratio is a person's, not the figure's: the view is still right away from the
    # thresholds (0 and 90 deg), which is what a 10 % error in the ratio allows.
    assert camera_views(_standing(0.0)).dominant() == "frontal"
    assert camera_views(_standing(90.0)).dominant() == "sagittal"


def test_a_turn_gives_segments_and_a_brief_turn_does_not() -> None:
    cfg = ViewConfig(frontal_width_ratio=FIGURE_RATIO)
    n = int(6 * RATE_HZ)
    # 2 s facing the camera, a 1 s turn, 3 s in profile.
    t = np.arange(n) / RATE_HZ
    heading = np.interp(t, [0, 2, 3, 6], [0, 0, 90, 90])
    views = camera_views(_standing(heading, seconds=6.0), config=cfg)
    kinds = [s.view for s in views.segments]
    assert kinds[0] == "frontal" and kinds[-1] == "sagittal"
    # The 0.33 s spent between 30 and 60 deg is shorter than a segment: the turn splits the
    # recording near its middle (45 deg at 2.5 s), give or take the hysteresis and smoothing.
    assert kinds == ["frontal", "sagittal"]
    boundary = views.segments[1].start_frame
    assert views.segments[0].end_frame == boundary - 1
    assert 2.2 * RATE_HZ <= boundary <= 2.8 * RATE_HZ
    # A 0.3 s glance to the side in a frontal recording is not a sagittal segment.
    glance = np.where((t > 3) & (t < 3.3), 90.0, 0.0)
    views = camera_views(_standing(glance, seconds=6.0), config=cfg)
    assert [s.view for s in views.segments] == ["frontal"]


def test_frames_without_a_trunk_belong_to_no_segment() -> None:
    traj = _standing(90.0, seconds=4.0)
    hidden = {k: v.copy() for k, v in traj.points.items()}
    for name in ("left_shoulder", "right_shoulder"):
        hidden[name][60:] = np.nan  # the last 2 s: no shoulders
    views = camera_views(traj.with_points(hidden), config=ViewConfig(frontal_width_ratio=FIGURE_RATIO))
    assert [(s.view, s.start_frame, s.end_frame) for s in views.segments] == [("sagittal", 0, 59)]
    assert not views.mask("sagittal")[60:].any()
    assert "sagittal 0.00-2.00 s" in views.describe()
