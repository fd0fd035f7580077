"""Scale from body height (robust, sanity-checked, refused with a reason) and plausibility ranges."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.gait.scale import robust_body_height, scale_from_height
from analysis.plausibility import ACTIVITY_RANGES, RANGES, implausible_reason, plausible_range
from analysis.types import InputError, Trajectories
from tests.unit.analysis.synthetic import Pose, build, to_landmarks

RATE_HZ = 30.0
#: Eye height of the synthetic figure standing (pelvis 0.95 m + trunk 0.52 m + 0.25 m), over
#: the Drillis & Contini eye fraction (0.936 H): the stature the figure stands for.
FIGURE_HEIGHT_M = (0.95 + 0.52 + 0.25) / 0.936


def _walk(n: int) -> Pose:
    t = np.arange(n) / RATE_HZ
    w = 2 * np.pi / 1.1
    p = Pose(n=n)
    for side, ph in (("left", 0.0), ("right", np.pi)):
        p.hip_flexion[side] = 20 * np.sin(w * t + ph)
        p.knee_flexion[side] = 30 + 30 * np.sin(w * t + ph + np.pi / 2)
    p.pelvis = np.stack([1.2 * t, 0.95 + 0.02 * np.sin(2 * w * t), np.zeros(n)], axis=1)
    return p


def _image(px_per_m: float | np.ndarray, n: int = 180) -> Trajectories:
    pts = build(_walk(n))
    scale = np.broadcast_to(np.asarray(px_per_m, dtype=float), (n,))
    lm = np.concatenate(
        [
            to_landmarks({k: v[i : i + 1] for k, v in pts.items()}, mode="image", px_per_m=s)
            for i, s in enumerate(scale)
        ]
    )
    return Trajectories.from_landmarks(lm, sampling_rate_hz=RATE_HZ)


def test_height_in_pixels_from_upright_frames_of_a_walk() -> None:
    h = robust_body_height(_image(250.0))
    assert h.median == pytest.approx(FIGURE_HEIGHT_M * 250.0, rel=0.03)
    assert h.extent == pytest.approx(h.median, rel=0.05)  # the body's own pixel size agrees
    assert 0 < h.n_frames < 180  # knees bent in swing do not count
    scale = scale_from_height(_image(250.0), height_m=FIGURE_HEIGHT_M, where=" at mid-walk")
    assert scale.metres_per_unit == pytest.approx(1 / 250.0, rel=0.03)
    assert scale.detail.startswith(f"{FIGURE_HEIGHT_M:.2f} m tall = ")
    assert " px at mid-walk (median of " in scale.detail and "accurate to about ±5%" in scale.detail


def test_a_walker_changing_distance_gets_no_scale() -> None:
    # Walking towards the camera: the body grows from 200 to 320 px per metre.
    with pytest.raises(InputError, match=r"distance to the camera changed"):
        scale_from_height(_image(np.linspace(200, 320, 180)), height_m=1.8)


def test_no_upright_frame_no_scale() -> None:
    traj = _image(250.0)
    crouched = {k: v.copy() for k, v in traj.points.items()}
    for side in ("left", "right"):
        crouched[f"{side}_knee"][:, 0] += 80.0  # knees far forward: never straight
    with pytest.raises(InputError, match=r"upright .* in 0 frame\(s\)"):
        scale_from_height(traj.with_points(crouched), height_m=1.8)


def test_segments_disagreeing_with_the_body_size_give_no_scale() -> None:
    traj = _image(250.0)
    heels = {k: traj.points[k].copy() for k in ("left_heel", "right_heel")}
    for v in heels.values():
        v[:, 1] += 150.0  # the heels tracked 150 px below the feet (image y grows downwards)
    with pytest.raises(InputError, match=r"from heel to eye, which disagree"):
        scale_from_height(traj.with_points(heels), height_m=1.8)


def test_implausible_values_are_refused_with_range_and_source() -> None:
    assert (
        implausible_reason(
            "knee_flexion_rom", 62.0, label="left knee flexion range of motion", activity="gait"
        )
        is None
    )
    reason = implausible_reason(
        "knee_flexion_rom", 140.0, label="left knee flexion range of motion", activity="gait"
    )
    assert reason is not None
    assert reason.startswith(
        "left knee flexion range of motion of 140 deg is outside the plausible range from 0 to 90 deg during gait"
    )
    assert "Perry & Burnfield" in reason
    # The same range of motion is plausible for a knee outside walking (whole active arc).
    assert implausible_reason("knee_flexion_rom", 140.0, label="knee", activity="squat") is None
    shoulder = implausible_reason(
        "shoulder_flexion_rom", 250.0, label="right shoulder flexion range of motion"
    )
    assert shoulder is not None and "from 0 to 240 deg" in shoulder and "AAOS" in shoulder
    assert implausible_reason("cadence", 250.0, label="cadence") is not None
    rng = plausible_range("squat_complete_reps")
    assert rng is not None and rng.unit == "count"
    assert plausible_range("unknown_metric") is None


def test_every_range_has_a_source_and_the_activity_ranges_are_narrower() -> None:
    for rng in [*RANGES.values(), *ACTIVITY_RANGES.values()]:
        assert rng.low < rng.high and rng.source
    for (_, metric), narrow in ACTIVITY_RANGES.items():
        wide = RANGES[metric]
        assert wide.low <= narrow.low and narrow.high <= wide.high
