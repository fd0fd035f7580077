"""Pure parts of the offline analysis: configuration, sequence format, metric mapping, file checks."""

from __future__ import annotations

import numpy as np
import pytest

from capture.sequence import LandmarkSequence, SequenceError, decode_sequence, encode_sequence
from clinic.analysis_jobs.config import ConfigError, analysis_config
from clinic.analysis_jobs.metrics import metric_values
from clinic.analysis_jobs.upload_check import UploadRefused, check_name_and_size
from clinic.domain.events import MetricValue


def test_config_has_one_spelling() -> None:
    assert analysis_config({}).to_dict() == {
        "model": "full", "activity": "auto", "height_m": None, "max_people": 3, "refine_3d": True,
    }  # fmt: skip
    assert analysis_config({"height_m": 1.7}) == analysis_config(height_m=1.70000001)
    assert analysis_config({"model": None}).model == "full"  # a blank form field is the default
    with pytest.raises(ConfigError, match="body height is in metres"):
        analysis_config(height_m=170)
    with pytest.raises(ConfigError, match="Unknown activity 'jog'"):
        analysis_config(activity="jog")
    with pytest.raises(ConfigError, match="between 1 and 10"):
        analysis_config(max_people=0)


def _landmarks(people: int = 2, frames: int = 5) -> np.ndarray:
    rng = np.random.default_rng(7)
    data = rng.normal(size=(people, frames, 33, 4))
    data[1, 2] = np.nan  # the second person unseen in frame 2
    return data


def test_sequence_round_trip_is_byte_for_byte_reproducible() -> None:
    image, world = _landmarks(), _landmarks() / 100
    kwargs = dict(
        person_ids=[1, 2], subject=2, sampling_rate_hz=30.0, width_px=640, height_px=480, model="lite"
    )
    data = encode_sequence(LandmarkSequence(image=image, world=world, **kwargs))  # type: ignore[arg-type]
    assert encode_sequence(LandmarkSequence(image=image.copy(), world=world.copy(), **kwargs)) == data  # type: ignore[arg-type]
    seq = decode_sequence(data)
    assert (
        seq.frames == 5 and seq.person_ids == (1, 2) and seq.model == "lite" and seq.sampling_rate_hz == 30.0
    )
    np.testing.assert_array_equal(seq.subject_image(), image[1])
    np.testing.assert_array_equal(seq.subject_world(), world[1])
    nobody = decode_sequence(
        encode_sequence(LandmarkSequence(image=image, world=world, **{**kwargs, "subject": None}))
    )  # type: ignore[arg-type]
    with pytest.raises(SequenceError, match="No person was detected"):
        nobody.subject_image()
    with pytest.raises(SequenceError, match=r"not a readable \.npz"):
        decode_sequence(b"PK not really a zip")
    with pytest.raises(SequenceError, match="equal shape"):
        encode_sequence(LandmarkSequence(image=image, world=world[:, :3], **kwargs))  # type: ignore[arg-type]


def test_metric_mapping_units_sides_and_definitions() -> None:
    summary = {
        "gait": {
            "cadence_steps_per_min": 101.5,
            "gait_speed_m_per_s": None,  # no scale: left out, not recorded as 0
            "step_length_m": None,
            "step_time_s": {"both": {"mean": 0.59}},
            "stride_time_s": {"both": {"mean": 1.2}},
            "parameters": {"stance_pct": 61.0, "double_support_pct": 22.0},
            "symmetry": {"step_time_s": {"left": 0.6, "right": 0.5}, "step_length_m": None},
        },
        "angles": {"left_knee_flexion": {"range_deg": 55.5}, "right_knee_flexion": {"range_deg": None}},
        "balance": {"single_leg_stance": {"longest": {"duration_s": 12.25, "stance_side": "left"}}},
        "exercise": {
            "kind": "squat", "complete_reps": 2, "partial_reps": 1,
            "reps": [{"complete": True, "depth": 70.0}, {"complete": True, "depth": 82.5},
                     {"complete": False, "depth": 99.0}],
        },
        "reba": {"final_score": 6},
    }  # fmt: skip
    values = metric_values(summary)
    assert MetricValue(metric="cadence", value=101.5, unit="steps/min") in values
    assert MetricValue(metric="step_time_symmetry", value=83.33, unit="%") in values  # 100 * 0.5 / 0.6
    assert MetricValue(metric="knee_flexion_rom", value=55.5, unit="deg", side="left") in values
    assert MetricValue(metric="single_leg_stance_time", value=12.25, unit="s", side="left") in values
    assert MetricValue(metric="squat_depth", value=82.5, unit="deg") in values  # complete reps only
    assert MetricValue(metric="squat_complete_reps", value=2.0, unit="count") in values
    assert MetricValue(metric="reba_score", value=6.0, unit="score") in values
    codes = [v.metric for v in values]
    assert "gait_speed" not in codes and "step_length_symmetry" not in codes
    assert codes.count("knee_flexion_rom") == 1
    assert metric_values({}) == ()


def test_name_and_size_checks() -> None:
    assert check_name_and_size("Walk.MOV", size_bytes=10, max_bytes=100) == "video/quicktime"
    with pytest.raises(UploadRefused, match=r"^clip.gif is not a video we accept"):
        check_name_and_size("clip.gif", size_bytes=10, max_bytes=100)
    with pytest.raises(UploadRefused, match=r"^a.mp4 is empty \(0 bytes\)\.$"):
        check_name_and_size("a.mp4", size_bytes=0, max_bytes=100)
    with pytest.raises(UploadRefused, match=r"^a.mp4 is 2.0 MB; the largest video accepted is 1.0 MB\.$"):
        check_name_and_size("a.mp4", size_bytes=2_000_000, max_bytes=1_000_000)
