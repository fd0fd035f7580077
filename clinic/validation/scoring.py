"""Each reference case run through the product's own code, paired with its reference.

Motion capture: markers read as ``manage.py gait_events`` reads them (a role given several
markers is their centre), events from :func:`analysis.gait.detect_gait_events`, paired with the
clean reference events by :func:`analysis.gait.reference.pair_events` (same foot and kind, nearest
within 0.2 s); a reference event with no detected event within ``FOUND_WITHIN_S`` (60 ms) counts as
not found and is left out of the statistics. Stance time pairs a contact's clean initial contact
with the same foot's next clean toe-off.

Video and reference landmarks: the sections the product reports for the landmarks
(:func:`analysis.report.video_sections`) against the annotations: cadence from the first to the
last annotated heel strike (``60 (n - 1) / (t_last - t_first)``), each annotated heel strike
against the nearest reported one of either foot (the annotations do not name the foot), the
complete squat repetitions, and each complete repetition's depth against the annotated knee
angles ("about 96 deg left / 103 deg right": interior angles, so flexion is 180 minus their mean,
the squat signal being the mean of both knees).

Values are in the metric's unit (``METRICS``); differences are ``measured - reference``.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from analysis.c3d import read_c3d
from analysis.gait import GaitEvents, detect_gait_events
from analysis.gait.forceplate import forceplate_events, plate_contacts
from analysis.gait.reference import pair_events
from analysis.markers import role_trajectories
from analysis.trc import read_trc
from analysis.types import FloatArray, Trajectories
from clinic.validation import definitions
from clinic.validation.cases import MocapCase

FOUND_WITHIN_S = 0.06


@dataclass(frozen=True)
class MetricInfo:
    label: str
    unit: str
    reference: str
    product_metric: str | None  # the code of the value it qualifies on the visit page
    # Instants (event times) have no meaningful "mean of the two methods": their plot puts the
    # differences by case instead.
    plot_by_case: bool = False
    # How the product defines the instant or value where that differs from the reference's
    # (:mod:`clinic.validation.definitions`); None where both define it alike.
    definition: str | None = None
    # Instants on video, named in the singular ("heel strike"): the report also counts each case's
    # differences in frames of its clip, the unit an annotator works in.
    frame_events: str | None = None


METRICS: dict[str, MetricInfo] = {
    "initial_contact_time": MetricInfo(
        "Initial contact time, markers",
        "ms",
        "force plates (20 N)",
        None,
        plot_by_case=True,
        definition=definitions.INITIAL_CONTACT,
    ),
    "toe_off_time": MetricInfo(
        "Toe-off time, markers",
        "ms",
        "force plates (20 N)",
        None,
        plot_by_case=True,
        definition=definitions.TOE_OFF,
    ),
    "stance_time": MetricInfo(
        "Stance time, markers", "ms", "force plates (20 N)", None, definition=definitions.STANCE
    ),
    "heel_strike_time_video": MetricInfo(
        "Heel strike time, video",
        "ms",
        "annotated frame of each heel strike (the first frame the foot is on the ground)",
        None,
        plot_by_case=True,
        definition=definitions.HEEL_STRIKE_VIDEO,
        frame_events="heel strike",
    ),
    "cadence": MetricInfo(
        "Cadence, video", "steps/min", "annotated heel strikes", "cadence", definition=definitions.CADENCE
    ),
    "squat_complete_reps": MetricInfo(
        "Complete squat repetitions",
        "count",
        "annotated repetitions",
        "squat_complete_reps",
        definition=definitions.SQUAT_COMPLETE,
    ),
    "squat_depth": MetricInfo(
        "Squat depth (knee flexion)",
        "deg",
        "annotated knee angles",
        "squat_depth",
        definition=definitions.SQUAT_DEPTH,
    ),
}


@dataclass(frozen=True)
class Pair:
    reference: float
    measured: float
    what: str  # e.g. "right initial contact at 1.193 s"

    def to_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "measured": self.measured,
            "difference": self.measured - self.reference,
            "mean": (self.measured + self.reference) / 2,
            "what": self.what,
        }


@dataclass
class CaseResult:
    name: str
    kind: str
    source: str
    pairs: dict[str, list[Pair]] = field(default_factory=dict)
    not_found: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None
    # How the product measured each metric (its definition of the event or value), per metric.
    methods: dict[str, str] = field(default_factory=dict)
    # The clip's frame rate (video and landmark cases): differences of instants in frames.
    sampling_rate_hz: float | None = None

    def add(self, metric: str, pair: Pair) -> None:
        self.pairs.setdefault(metric, []).append(pair)

    def miss(self, metric: str, what: str) -> None:
        self.not_found.setdefault(metric, []).append(what)


def _markers(case: MocapCase) -> tuple[Trajectories, float, Any]:
    if case.marker_file.suffix.lower() == ".c3d":
        c3d = read_c3d(case.marker_file, with_force_plates=case.reference_csv is None)
        traj, t0 = c3d.trajectories, c3d.start_time_s
    else:
        trc = read_trc(case.marker_file)
        traj, t0, c3d = trc.trajectories, float(trc.time_s[0]), None
    return role_trajectories(traj, case.roles, source=case.marker_file.name), t0, c3d


def _reference_events(
    case: MocapCase, gait: Trajectories, t0: float, c3d: Any
) -> list[tuple[str, str, float]]:
    if case.reference_csv is None:
        if not c3d.force_plates:
            raise ValueError(
                f"{case.marker_file.name} has no force plates and the case no ref_forceplate_events.csv"
            )
        fp = forceplate_events(plate_contacts(c3d.force_plates, gait, marker_start_time_s=t0))
        return [(e.foot, e.event, e.time_s) for e in fp if e.status == "clean"]
    with open(case.reference_csv, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [
        (r["foot"], r["event"], float(r["time_s"]))
        for r in rows
        if r.get("status", "clean") in ("clean", "", None) and r["event"] in ("initial_contact", "toe_off")
    ]


def _stated_reason(detected: GaitEvents, foot: str, kind: str, time_s: float) -> str:
    """The reason the detector gives for leaving out an event near ``time_s`` (its own clock), if any."""
    for o in detected.omitted:
        end = o.time_s if o.until_s is None else o.until_s
        if o.foot == foot and o.event == kind and o.time_s - FOUND_WITHIN_S <= time_s <= end + FOUND_WITHIN_S:
            return f" (left out: {o.reason})"
    return ""


def score_mocap(case: MocapCase) -> CaseResult:
    out = CaseResult(case.name, case.kind, case.source)
    gait, t0, c3d = _markers(case)
    reference = _reference_events(case, gait, t0, c3d)
    detected = detect_gait_events(gait)
    pairs = pair_events(reference, detected.events, detected_offset_s=t0)
    metric = {"initial_contact": "initial_contact_time", "toe_off": "toe_off_time"}
    found: dict[tuple[str, str, float], float] = {}
    for p in pairs:
        what = f"{p.foot} {p.event.replace('_', ' ')} at {p.reference_s:.3f} s"
        if p.detected_s is None or abs(p.detected_s - p.reference_s) >= FOUND_WITHIN_S:
            out.miss(metric[p.event], what + _stated_reason(detected, p.foot, p.event, p.reference_s - t0))
            continue
        found[(p.foot, p.event, p.reference_s)] = p.detected_s
        out.add(metric[p.event], Pair(p.reference_s * 1000, p.detected_s * 1000, what))
    # Stance: a clean contact's initial contact and the same foot's next clean toe-off, when that
    # toe-off comes before the foot's next contact (else the toe-off belongs to another stance).
    for foot in ("left", "right"):
        mine = sorted((t, kind) for f, kind, t in reference if f == foot)
        for (t_ic, k1), (t_to, k2) in pairwise(mine):
            if k1 != "initial_contact" or k2 != "toe_off" or not 0.2 < t_to - t_ic < 2.0:
                continue
            d_ic = found.get((foot, "initial_contact", t_ic))
            d_to = found.get((foot, "toe_off", t_to))
            what = f"{foot} stance from {t_ic:.3f} s"
            if d_ic is None or d_to is None:
                out.miss("stance_time", what)
            else:
                out.add("stance_time", Pair((t_to - t_ic) * 1000, (d_to - d_ic) * 1000, what))
    return out


def _annotated_knee_flexion(notes: str) -> float | None:
    """Mean knee flexion (deg) from a note such as "knee angle minimum about 87 / 93 deg"."""
    if "about" not in notes:
        return None
    numbers = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", notes.split("about", 1)[1])[:2]]
    return 180.0 - float(np.mean(numbers)) if len(numbers) == 2 else None


def score_sections(
    out: CaseResult,
    sections: dict[str, Any],
    annotations: tuple[dict[str, str], ...],
    *,
    sampling_rate_hz: float,
) -> CaseResult:
    """Pairs for the annotated events of one clip (see the module docstring)."""
    out.sampling_rate_hz = sampling_rate_hz
    strikes = sorted(float(r["time_s"]) for r in annotations if r["kind"] == "heel_strike")
    gait = sections.get("gait") or {}
    if gait.get("method"):
        out.methods["heel_strike_time_video"] = out.methods["cadence"] = str(gait["method"])
    if len(strikes) >= 2:
        annotated = 60.0 * (len(strikes) - 1) / (strikes[-1] - strikes[0])
        cadence = gait.get("cadence_steps_per_min")
        if isinstance(cadence, int | float) and np.isfinite(cadence):
            out.add("cadence", Pair(annotated, float(cadence), f"{len(strikes)} annotated heel strikes"))
        else:
            out.miss("cadence", "no cadence reported")
        reported = [h["frame"] / sampling_rate_hz for h in gait.get("heel_strikes", [])]
        for r in (r for r in annotations if r["kind"] == "heel_strike"):
            t = int(r["frame_0based"]) / sampling_rate_hz
            near = min(reported, key=lambda x: abs(x - t), default=None)
            what = f"{r['label']} at frame {r['frame_0based']}"
            if near is None or abs(near - t) > 0.2:
                out.miss("heel_strike_time_video", what)
            else:
                out.add("heel_strike_time_video", Pair(t * 1000, near * 1000, what))
    reps = [r for r in annotations if r["kind"] == "squat_rep"]
    if reps:
        exercise = sections.get("exercise") or {}
        complete = sum(1 for r in reps if r["label"].endswith("_standing"))
        got = exercise.get("complete_reps") if exercise.get("kind") == "squat" else 0
        out.add(
            "squat_complete_reps",
            Pair(float(complete), float(got or 0), f"{complete} annotated complete repetitions"),
        )
        bottoms = [r for r in reps if r["label"].endswith("_bottom")]
        reported = exercise.get("reps", []) if exercise.get("kind") == "squat" else []
        for row in bottoms:
            ref = _annotated_knee_flexion(row["notes"])
            if ref is None:
                continue
            frame = int(row["frame_0based"])
            rep = min(reported, key=lambda x: abs(x["bottom_frame"] - frame), default=None)
            what = f"{row['label']} at frame {frame}"
            tol = int(row["tolerance_frames"]) + 2
            if rep is None or abs(rep["bottom_frame"] - frame) > tol or rep.get("depth") is None:
                out.miss("squat_depth", what)
            else:
                out.add("squat_depth", Pair(ref, float(rep["depth"]), what))
    return out


def read_reference_landmarks(path: Path) -> FloatArray:
    """``[frames][33][x, y, z]`` as published, with visibility 1 appended: ``(frames, 33, 4)``."""
    data = np.asarray(json.loads(path.read_text(encoding="utf-8")), dtype=np.float64)
    if data.ndim != 3 or data.shape[1:] != (33, 3):
        raise ValueError(f"{path.name}: expected [frames][33][x, y, z], got shape {data.shape}")
    return np.concatenate([data, np.ones((*data.shape[:2], 1))], axis=-1)
