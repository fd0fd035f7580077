"""The typed result of a video analysis has exactly the JSON form the dict code produced.

``result_json_reference.json`` was written by the code before the typed result existed (the
dict-building ``video_sections`` and the string-path metric extraction), for the squat reference
landmarks and a synthetic walk and single-leg stance: the sections, the whole summary stored in
``AnalysisCompleted`` (with REBA and the 3D fit) and the metric values. Stored summaries and every
consumer rely on that form, so it must not change by a key, an order or a rounding.

Rewritten once for issue 13, because the old reference held the defects it fixes: ranges of
motion over every frame of the file and in planes the camera does not see, a body height (and so
the scale) from lengths that included MediaPipe's relative depth, and metric values without
quality, view and method. The new form keeps every old key and adds, under ``analysis``, the
angle convention, the camera view segments, the activity's frames, the judged values and the
withheld values with their reasons. (The squat depths had also moved since the reference was
written, by the exercise code's own change.) Then once more: the interior knee angle (180 =
straight) left the reported angles for the knee and hip bend in the image plane
(``*_flexion_image_plane``, the one convention, as the live page and playback show it).
Then the ``outcome`` section (the standard test scored, None unless one was requested; its
reason under ``analysis.absent``) joined the sections, and the single-leg stance test's method
names the test. Then the knee and hip angular velocity per side and their left/right symmetry
joined the exercise and gait values (issue 16), and the 3D fit's judged values
(``refine_3d.values``: lean, rotation and depth-aware flexion, :mod:`analysis.skeleton3d`) with
their metric values: every earlier key and value is unchanged (checked when the reference was
rewritten: the new file minus those values equals the old one).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from analysis.report import video_sections
from capture.sequence import LandmarkSequence, encode_sequence
from clinic.analysis_jobs.config import analysis_config
from clinic.analysis_jobs.metrics import metric_values
from clinic.analysis_jobs.steps import analysis_step
from tests.unit.analysis.synthetic import Pose, build, to_landmarks

REFERENCE = Path(__file__).with_name("result_json_reference.json")
SQUAT_RATE_HZ = 5.0
RATE_HZ = 30.0


def _squat(shared_data: Path, which: str) -> np.ndarray:
    path = shared_data / "videos" / f"squats_front.reference_blazepose_full_{which}.json"
    data = np.asarray(json.loads(path.read_text()))
    return np.concatenate([data, np.ones((*data.shape[:2], 1))], axis=-1)


def _walk() -> Pose:
    """6 s of walking at 1.2 m/s, stride 1.1 s (legs in antiphase)."""
    n = int(6 * RATE_HZ)
    t = np.arange(n) / RATE_HZ
    w = 2 * np.pi / 1.1
    phase = {"left": 0.0, "right": np.pi}
    p = Pose(n=n)
    for side, ph in phase.items():
        p.hip_flexion[side] = 20 * np.sin(w * t + ph)
        p.knee_flexion[side] = 30 + 30 * np.sin(w * t + ph + np.pi / 2)
        p.shoulder_flexion[side] = -15 * np.sin(w * t + ph)
    p.pelvis = np.stack([1.2 * t, 0.95 + 0.02 * np.sin(2 * w * t), np.zeros(n)], axis=1)
    return p


def _stance() -> Pose:
    """8 s standing on the right leg (left hip and knee bent from 1 s to 7 s), a slow sway."""
    n = int(8 * RATE_HZ)
    t = np.arange(n) / RATE_HZ
    lift = np.interp(t, [0, 1, 1.3, 6.7, 7, 8], [0, 0, 1, 1, 0, 0])
    p = Pose(n=n)
    p.hip_flexion["left"] = 40 * lift
    p.knee_flexion["left"] = 70 * lift
    p.pelvis = np.stack([0.01 * np.sin(1.3 * t), 0.95 * np.ones(n), 0.015 * np.sin(0.7 * t)], axis=1)
    return p


def _cases(shared_data: Path) -> dict[str, tuple[np.ndarray, np.ndarray, float, dict[str, Any]]]:
    """name -> (image landmarks, world landmarks, sampling rate, analysis options)."""
    walk, stance = build(_walk()), build(_stance())
    return {
        "squat": (_squat(shared_data, "2d"), _squat(shared_data, "world3d"), SQUAT_RATE_HZ, {}),
        "walk": (
            to_landmarks(walk, mode="image", px_per_m=200),
            to_landmarks(walk, mode="world"),
            RATE_HZ,
            {"height_m": 1.7},
        ),
        "stance": (
            to_landmarks(stance, mode="front"),
            to_landmarks(stance, mode="world"),
            RATE_HZ,
            {"height_m": 1.7, "activity": "single_leg_stance", "refine_3d": False},
        ),
    }


def outputs(shared_data: Path) -> dict[str, Any]:
    """Per case: the sections, the stored summary and the metric values, as JSON."""
    out: dict[str, Any] = {}
    for name, (image, world, rate, options) in _cases(shared_data).items():
        sections = video_sections(
            image,
            sampling_rate_hz=rate,
            height_m=options.get("height_m"),
            exercise=options.get("activity"),
            image_size_px=(1, 1),  # the landmarks are in pixels already
        ).to_json()
        sequence = LandmarkSequence(
            image=image[None],
            world=world[None],
            person_ids=(1,),
            subject=1,
            sampling_rate_hz=rate,
            width_px=1,
            height_px=1,
            model="full",
        )
        analysed = analysis_step(encode_sequence(sequence), config=analysis_config(options))
        summary = analysed.summary
        metrics = [dataclasses.asdict(m) for m in analysed.metrics]
        assert analysed.metrics == metric_values(analysed.result)
        assert summary == analysed.result.to_json()
        out[name] = json.loads(json.dumps({"sections": sections, "summary": summary, "metrics": metrics}))
    return out


def test_the_json_form_is_the_one_stored_before(shared_data: Path) -> None:
    reference = json.loads(REFERENCE.read_text())
    got = outputs(shared_data)
    assert list(got) == list(reference)
    for name, expected in reference.items():
        # Compared as text too, so key order (which the CLI's JSON file shows) is pinned as well.
        assert got[name] == expected, name
        assert json.dumps(got[name]) == json.dumps(expected), name
    # The cases reach every section, so none of them is compared only as None.
    assert reference["squat"]["sections"]["exercise"]["complete_reps"] == 2
    assert reference["walk"]["sections"]["gait"]["parameters"]["n_steps"] >= 4
    assert reference["stance"]["sections"]["balance"]["sway"] is not None
    assert reference["walk"]["summary"]["refine_3d"]["refined"] is True
    assert reference["stance"]["summary"]["refine_3d"] == {"refined": False, "reason": "not requested"}
    assert reference["squat"]["summary"]["reba"] is not None


@pytest.mark.parametrize("name", ["walk"])
def test_metric_values_reach_the_gait_parameters(shared_data: Path, name: str) -> None:
    codes = {m["metric"] for m in outputs(shared_data)[name]["metrics"]}
    assert {"cadence", "gait_speed", "step_length", "step_time_symmetry"} <= codes
