"""A segment's centre from several markers, through the drop-out of one of them."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.markers import segment_centre
from analysis.types import InputError


def _pelvis(frames: int = 200) -> tuple[np.ndarray, list[np.ndarray]]:
    """A pelvis walking along x and turning slowly (20 deg over the trial), four markers 12 cm out."""
    t = np.arange(frames) / 100.0
    centre = np.stack([1.2 * t, 0.95 + 0.01 * np.sin(6 * t), 0.02 * t], axis=1)
    yaw = np.deg2rad(20.0) * t / t[-1]
    markers = []
    for dx, dz in ((0.08, 0.12), (0.08, -0.12), (-0.08, 0.08), (-0.08, -0.08)):
        x = centre[:, 0] + dx * np.cos(yaw) - dz * np.sin(yaw)
        z = centre[:, 2] + dx * np.sin(yaw) + dz * np.cos(yaw)
        markers.append(np.stack([x, centre[:, 1], z], axis=1))
    return centre, markers


def test_all_seen_is_the_plain_mean() -> None:
    centre, markers = _pelvis()
    np.testing.assert_allclose(segment_centre(markers), np.mean(markers, axis=0))
    np.testing.assert_allclose(segment_centre(markers), centre, atol=1e-12)


def test_one_marker_missing_for_a_while_keeps_the_centre_within_a_millimetre() -> None:
    centre, markers = _pelvis()
    markers[2][80:110] = np.nan  # 0.3 s without one marker
    markers[0][:5] = np.nan  # and another at the start
    got = segment_centre(markers)
    assert np.isfinite(got).all()  # the plain mean would be missing in 35 frames
    assert np.isnan(np.mean(markers, axis=0)).any(axis=1).sum() == 35
    assert np.max(np.linalg.norm(got - centre, axis=1)) < 0.001


def test_a_frame_with_no_marker_stays_missing_and_input_is_checked() -> None:
    _, markers = _pelvis()
    for m in markers:
        m[50] = np.nan
    assert np.isnan(segment_centre(markers)[50]).all()
    with pytest.raises(InputError):
        segment_centre([])
