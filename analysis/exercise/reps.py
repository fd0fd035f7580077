"""Repetition segmentation, phases, depth, tempo and completeness.

A repetition is a excursion of the movement signal (:mod:`analysis.exercise.signals`) away from
the rest level and back. Its *start* is the last frame before the turnaround where the signal is
within ``start_fraction`` of the excursion from the rest level before it; its *end* the first
frame after the turnaround within ``return_fraction`` of it. A repetition is complete when it
reaches the kind's depth (``complete_at``) and returns; otherwise it is partial, with the reason.

Repetitions are *found* on the signal low-passed at ``smoothing_cutoff_hz`` (2 Hz: one turnaround
per repetition), but a repetition's *depth* is the peak of the signal as measured (gaps bridged,
not smoothed) between its start and end: for a squat the peak knee flexion in degrees. Smoothing
at 2 Hz flattens a short turnaround, more so at low frame rates, and the live page
(:mod:`capture.live_metrics`), which cannot smooth without delay, measures the same peak.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.signal import find_peaks

from analysis.exercise.signals import ECCENTRIC_FIRST, ExerciseKind, movement_signal
from analysis.signals.filtering import interpolate_gaps, lowpass
from analysis.types import FloatArray, InputError, Trajectories


@dataclass(frozen=True)
class KindThresholds:
    """``min_excursion``: smallest excursion counted as an attempt; ``complete_at``: depth a complete
    repetition reaches; both in the signal's ``unit``."""

    min_excursion: float
    complete_at: float
    unit: str


#: Defaults: squat to 60 deg of knee bend (interior knee angle 120 deg, about thighs at 45 deg);
#: sit-to-stand up to 0.25 leg lengths of pelvis rise; deadlift until the wrists are 0.45 leg
#: lengths below the pelvis (about knee level); press until the wrists are 0.75 arm lengths above
#: the shoulders; curl to 100 deg of elbow flexion.
DEFAULT_THRESHOLDS: dict[ExerciseKind, KindThresholds] = {
    "squat": KindThresholds(min_excursion=25.0, complete_at=60.0, unit="deg knee bend"),
    "sit_to_stand": KindThresholds(min_excursion=0.12, complete_at=0.25, unit="leg lengths of pelvis rise"),
    "deadlift": KindThresholds(min_excursion=0.15, complete_at=0.45, unit="leg lengths of wrist drop"),
    "overhead_press": KindThresholds(min_excursion=0.3, complete_at=0.75, unit="arm lengths above shoulders"),
    "curl": KindThresholds(min_excursion=40.0, complete_at=100.0, unit="deg elbow flexion"),
}


@dataclass(frozen=True)
class RepConfig:
    start_fraction: float = 0.1
    return_fraction: float = 0.25
    smoothing_cutoff_hz: float = 2.0
    min_rep_s: float = 0.6
    thresholds: KindThresholds | None = None


@dataclass(frozen=True)
class Phase:
    name: str  # "eccentric" or "concentric"
    start_frame: int
    end_frame: int
    duration_s: float


@dataclass(frozen=True)
class Rep:
    index: int
    start_frame: int
    bottom_frame: int
    end_frame: int
    complete: bool
    reason: str | None
    depth: float
    phases: tuple[Phase, ...]
    duration_s: float
    angles_at_bottom: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RepSegmentation:
    kind: ExerciseKind
    reps: list[Rep]
    signal: FloatArray
    unit: str
    sampling_rate_hz: float
    config: RepConfig

    @property
    def complete_reps(self) -> int:
        return sum(r.complete for r in self.reps)

    @property
    def partial_reps(self) -> int:
        return sum(not r.complete for r in self.reps)


def segment_reps(
    signal: FloatArray, *, sampling_rate_hz: float, kind: ExerciseKind, config: RepConfig | None = None
) -> list[Rep]:
    """Repetitions in a movement signal ``(frames,)`` (NaN = unseen; gaps up to 0.5 s are bridged)."""
    cfg = config or RepConfig()
    th = cfg.thresholds or DEFAULT_THRESHOLDS[kind]
    bridged = interpolate_gaps(
        np.asarray(signal, dtype=np.float64), max_gap_frames=int(0.5 * sampling_rate_hz)
    )
    s = lowpass(bridged, sampling_rate_hz=sampling_rate_hz, cutoff_hz=cfg.smoothing_cutoff_hz)
    finite = np.isfinite(s)
    if finite.sum() < 3:
        return []
    filled = np.where(finite, s, np.nanmin(s))
    peaks, _ = find_peaks(
        filled, prominence=th.min_excursion, distance=max(1, int(cfg.min_rep_s * sampling_rate_hz / 2))
    )
    reps: list[Rep] = []
    prev_end = 0
    n = s.size
    for k, p in enumerate(peaks):
        nxt = peaks[k + 1] if k + 1 < len(peaks) else n
        before = filled[prev_end : p + 1]
        rest = float(before.min())
        exc = filled[p] - rest
        if exc < th.min_excursion:
            continue
        start_level = rest + cfg.start_fraction * exc
        below = np.flatnonzero(before <= start_level)
        started = below.size > 0
        start = prev_end + int(below[-1]) if started else prev_end
        after = filled[p:nxt]
        back = np.flatnonzero(after <= rest + cfg.return_fraction * exc)
        returned = back.size > 0
        end = p + int(back[0]) if returned else min(nxt, n) - 1
        measured = bridged[start : end + 1]
        depth = float(np.nanmax(measured)) if np.isfinite(measured).any() else math.nan
        reasons = []
        if not depth >= th.complete_at:
            reasons.append("did not reach full depth")
        if not returned:
            reasons.append(
                "did not return to the start position"
                if nxt < n
                else "recording ends before the repetition is finished"
            )
        if not started:
            reasons.append("recording starts during the repetition")
        ecc_first = ECCENTRIC_FIRST[kind]
        first, second = ("eccentric", "concentric") if ecc_first else ("concentric", "eccentric")
        phases = (
            Phase(name=first, start_frame=start, end_frame=int(p), duration_s=(p - start) / sampling_rate_hz),
            Phase(name=second, start_frame=int(p), end_frame=end, duration_s=(end - p) / sampling_rate_hz),
        )
        reps.append(
            Rep(
                index=len(reps) + 1,
                start_frame=start,
                bottom_frame=int(p),
                end_frame=end,
                complete=not reasons,
                reason="; ".join(reasons) or None,
                depth=depth,
                phases=phases,
                duration_s=(end - start) / sampling_rate_hz,
            )
        )
        prev_end = end
    return reps


def count_reps(traj: Trajectories, kind: ExerciseKind, *, config: RepConfig | None = None) -> RepSegmentation:
    """Segment the repetitions of ``kind`` in ``traj`` (BlazePose point names)."""
    if kind not in DEFAULT_THRESHOLDS:
        raise InputError(f"Unknown exercise {kind!r}; known: {', '.join(DEFAULT_THRESHOLDS)}.")
    cfg = config or RepConfig()
    signal = movement_signal(traj, kind)
    reps = segment_reps(signal, sampling_rate_hz=traj.sampling_rate_hz, kind=kind, config=cfg)
    th = cfg.thresholds or DEFAULT_THRESHOLDS[kind]
    return RepSegmentation(
        kind=kind, reps=reps, signal=signal, unit=th.unit, sampling_rate_hz=traj.sampling_rate_hz, config=cfg
    )
