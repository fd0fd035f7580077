"""Per-recording JSON: gait events and metrics come from completed analyses only."""

from __future__ import annotations

import numpy as np

from capture.sequence import LandmarkSequence
from clinic.reports.recording import recording_json


def sequence(frames: int = 4) -> LandmarkSequence:
    image = np.full((1, frames, 33, 4), np.nan)
    return LandmarkSequence(
        image=image,
        world=image.copy(),
        person_ids=(1,),
        subject=1,
        sampling_rate_hz=30.0,
        width_px=640,
        height_px=480,
        model="lite",
    )


def test_gait_events_and_metrics_from_completed_analyses() -> None:
    done = {
        "analysis_id": "a1",
        "status": "completed",
        "software_version": "0.1.0",
        "config": {"model": "lite"},
        "failure_reason": "",
        "metrics": [{"metric": "cadence", "value": 98.1, "unit": "steps/min", "side": ""}],
        "summary": {
            "gait": {
                "heel_strikes": [
                    {"frame": 40, "time_s": 1.33, "side": "left"},
                    {"frame": 10, "time_s": 0.33, "side": "right"},
                ],
                "toe_offs": [{"frame": 25, "time_s": 0.83, "side": "right"}],
            }
        },
    }
    failed = {
        "analysis_id": "a2",
        "status": "failed",
        "software_version": "",
        "config": {},
        "failure_reason": "x",
        "metrics": [{"metric": "cadence", "value": 1.0, "unit": "steps/min"}],
        "summary": {},
    }
    data = recording_json(sequence(), sequence_sha256="f" * 64, analyses=[done, failed])
    assert [(e["frame"], e["event"]) for e in data["gait_events"]] == [
        (10, "heel_strike"),
        (25, "toe_off"),
        (40, "heel_strike"),
    ]
    assert data["metrics"] == done["metrics"]
    assert [a["status"] for a in data["analyses"]] == ["completed", "failed"]
    # Unseen landmarks give empty angles, never invented numbers.
    assert all(v is None for frame in data["frames"] for k, v in frame.items() if k.endswith("_deg"))
