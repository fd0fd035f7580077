"""Per-recording exports: the joint-angle time series, gait events and metric summaries.

The angles are :func:`analysis.angles.reported_angles`, every one in
:data:`analysis.angles.CONVENTION` (0 = anatomical neutral or full extension, flexion positive):
the plane-specific angles of :func:`analysis.angles.joint_angles` (sign conventions there; empty
where the camera view cannot show that plane) and ``<joint>_flexion_image_plane``, the flexion
read in the image plane in every view (what the live page and playback show). The intermediate
interior knee angle (180 = straight) is not exported: one convention per file.

CSV: a first line ``# <convention>``, then a header row and one row per frame: ``frame`` (0-based),
``time_s`` (frame / sampling rate), then one column per angle in degrees; empty where the joint was
not seen.

JSON: ``convention`` (the sentence above), ``sequence`` (hash, frames, fps, image size, model),
``columns`` (the CSV columns with units), ``frames`` (the same rows), ``gait_events`` (``{"frame", "time_s", "side", "event"}``
from the recording's analyses), ``metrics`` (every value with its unit) and ``analyses``
(id, status, software version, configuration).
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

from analysis.angles import CONVENTION, reported_angles
from analysis.types import Trajectories
from capture.sequence import LandmarkSequence
from clinic.reports.csvcells import SafeWriter


def angle_series(sequence: LandmarkSequence) -> dict[str, np.ndarray]:
    """Joint angles of the subject per frame, in degrees (NaN where unavailable; module docstring)."""
    # The landmarks are in pixels already (no image_size_px: that would scale them again).
    traj = Trajectories.from_landmarks(sequence.subject_image(), sampling_rate_hz=sequence.sampling_rate_hz)
    angles = reported_angles(traj)
    return {name: np.asarray(values, dtype=float) for name, values in sorted(angles.items())}


def _cell(value: float) -> str:
    return "" if not math.isfinite(value) else f"{value:.2f}"


def recording_csv(sequence: LandmarkSequence) -> str:
    angles = angle_series(sequence)
    out = io.StringIO()
    out.write(f"# {CONVENTION}\n")
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(["frame", "time_s", *(f"{name}_deg" for name in angles)])
    for f in range(sequence.frames):
        writer.writerow(
            [f, f"{f / sequence.sampling_rate_hz:.4f}", *(_cell(values[f]) for values in angles.values())]
        )
    return out.getvalue()


def _gait_events(summary: dict[str, Any]) -> list[dict[str, Any]]:
    gait = summary.get("gait") or {}
    events = [{**e, "event": "heel_strike"} for e in gait.get("heel_strikes", [])]
    events += [{**e, "event": "toe_off"} for e in gait.get("toe_offs", [])]
    return sorted(events, key=lambda e: (e.get("frame", 0), e["event"]))


def recording_json(
    sequence: LandmarkSequence, *, sequence_sha256: str, analyses: list[dict[str, Any]]
) -> dict[str, Any]:
    """Everything measured on one recording; ``analyses`` are AnalysisView-like dicts."""
    angles = angle_series(sequence)
    completed = [a for a in analyses if a["status"] == "completed"]
    return {
        "convention": CONVENTION,
        "sequence": {
            "sha256": sequence_sha256,
            "frames": sequence.frames,
            "fps": sequence.sampling_rate_hz,
            "width_px": sequence.width_px,
            "height_px": sequence.height_px,
            "model": sequence.model,
        },
        "columns": {
            "frame": "0-based frame index",
            "time_s": "seconds since the first frame",
            **{f"{name}_deg": "degrees" for name in angles},
        },
        "frames": [
            {
                "frame": f,
                "time_s": round(f / sequence.sampling_rate_hz, 4),
                **{
                    f"{name}_deg": (None if not math.isfinite(v[f]) else round(float(v[f]), 2))
                    for name, v in angles.items()
                },
            }
            for f in range(sequence.frames)
        ],
        "gait_events": [e for a in completed for e in _gait_events(a.get("summary") or {})],
        "metrics": [m for a in completed for m in a.get("metrics") or []],
        "analyses": [
            {k: a.get(k) for k in ("analysis_id", "status", "software_version", "config", "failure_reason")}
            for a in analyses
        ],
    }
