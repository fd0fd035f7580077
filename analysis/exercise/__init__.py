"""Exercise analysis: repetitions, phases, depth, tempo, completeness and coaching cues."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from analysis.angles import reported_angles
from analysis.exercise.cues import Cue, CueConfig, form_cues
from analysis.exercise.reps import (
    DEFAULT_THRESHOLDS,
    KindThresholds,
    Phase,
    Rep,
    RepConfig,
    count_reps,
    segment_reps,
)
from analysis.exercise.signals import KINDS, ExerciseKind, movement_signal
from analysis.signals.filtering import lowpass
from analysis.types import InputError, Trajectories

#: Angles reported at the turnaround of every repetition (:func:`analysis.angles.reported_angles`,
#: all in :data:`analysis.angles.CONVENTION`): knee flexion read in the image plane (every view;
#: what the live page and playback show), the others plane-specific.
BOTTOM_ANGLES = (
    "left_knee_flexion_image_plane",
    "right_knee_flexion_image_plane",
    "left_hip_flexion",
    "right_hip_flexion",
    "trunk_lean_sagittal",
    "left_elbow_flexion",
    "right_elbow_flexion",
    "left_knee_medial_offset",
    "right_knee_medial_offset",
)


@dataclass(frozen=True)
class ExerciseResult:
    kind: ExerciseKind
    reps: list[Rep]
    cues: dict[int, list[Cue]]
    complete_reps: int
    partial_reps: int
    unit: str
    rep_config: RepConfig
    cue_config: CueConfig


def analyze_exercise(
    traj: Trajectories,
    kind: ExerciseKind,
    *,
    rep_config: RepConfig | None = None,
    cue_config: CueConfig | None = None,
) -> ExerciseResult:
    """Repetitions of ``kind`` with the angles at each turnaround and phase-aware cues.

    Angles are computed from the trajectories filtered at 6 Hz (unfiltered at frame rates too low
    for that cutoff).
    """
    seg = count_reps(traj, kind, config=rep_config)
    names = list(traj.points)
    stacked = np.stack([traj.points[k] for k in names], axis=1)  # (frames, points, 3): one filter call
    filtered = lowpass(
        stacked, sampling_rate_hz=traj.sampling_rate_hz, max_gap_frames=int(0.25 * traj.sampling_rate_hz)
    )
    smooth = traj.with_points({k: filtered[:, i] for i, k in enumerate(names)})
    angles = reported_angles(smooth)
    reps = []
    cues: dict[int, list[Cue]] = {}
    for r in seg.reps:
        at = {
            k: float(angles[k][r.bottom_frame])
            for k in BOTTOM_ANGLES
            if np.isfinite(angles[k][r.bottom_frame])
        }
        reps.append(dataclasses.replace(r, angles_at_bottom=at))
        cues[r.index] = form_cues(r, kind, angles, config=cue_config)
    return ExerciseResult(
        kind=kind,
        reps=reps,
        cues=cues,
        complete_reps=sum(r.complete for r in reps),
        partial_reps=sum(not r.complete for r in reps),
        unit=seg.unit,
        rep_config=seg.config,
        cue_config=cue_config or CueConfig(),
    )


def guess_exercise(traj: Trajectories) -> ExerciseKind | None:
    """A heuristic guess of which exercise a recording shows, or None if no repetitions are seen.

    Each kind's signal is segmented; the kind whose repetitions cover the most excursion
    relative to its full depth wins. Squat and sit-to-stand look alike: a sit-to-stand rests low
    (the pelvis spends most time near its lowest level), a squat rests high.
    """
    scores: dict[ExerciseKind, float] = {}
    for kind in KINDS:
        try:
            reps = count_reps(traj, kind).reps
        except (InputError, KeyError, ValueError):
            continue  # a kind whose points are missing simply does not score
        if reps:
            scores[kind] = len(reps) * min(
                2.0, float(np.mean([r.depth for r in reps])) / DEFAULT_THRESHOLDS[kind].complete_at
            )
    if not scores:
        return None
    best = max(scores, key=lambda k: scores[k])
    if best in ("squat", "sit_to_stand"):
        rise = movement_signal(traj, "sit_to_stand")
        best = (
            "sit_to_stand" if float(np.nanmedian(rise)) < 0.5 * float(np.nanpercentile(rise, 95)) else "squat"
        )
    return best


__all__ = [
    "DEFAULT_THRESHOLDS",
    "KINDS",
    "Cue",
    "CueConfig",
    "ExerciseKind",
    "ExerciseResult",
    "KindThresholds",
    "Phase",
    "Rep",
    "RepConfig",
    "analyze_exercise",
    "count_reps",
    "form_cues",
    "guess_exercise",
    "movement_signal",
    "segment_reps",
]
