"""Causal live metrics for one person: joint angles, repetitions, depth, cadence, stance time and cues.

Everything here sees one frame at a time (the live page cannot wait for the end of a set), so it
uses the offline definitions with causal rules, through the same functions:

* **Angles** come from :func:`analysis.angles.bend_angles` on the frame's pixel landmarks (x
  right, y down), in :data:`analysis.angles.CONVENTION` (0 = straight or neutral, flexion
  positive), the same function playback and the exports use. Landmarks below
  ``MIN_VISIBILITY`` count as unseen, as offline (:meth:`analysis.types.Trajectories.from_landmarks`).
* **Repetitions** use the same movement signal and thresholds as
  :func:`analysis.exercise.count_reps` (``DEFAULT_THRESHOLDS``; for squats
  :func:`analysis.exercise.signals.squat_knee_flexion`). A repetition starts when the signal
  rises ``min_excursion`` above the rest level (its minimum over the last ``rest_window_s``),
  peaks, and ends when it falls back within ``return_fraction`` of the excursion; it is complete
  if the peak reached ``complete_at``. A repetition still under way when a recording stops is
  not counted, as offline.
* **Depth** of a repetition is the peak of the signal between its start and end, as offline
  (:mod:`analysis.exercise.reps`): for squats the peak knee flexion in degrees. ``depth`` is the
  deepest complete repetition (the clinic's ``squat_depth``), ``last_depth`` the latest one.
* **Cadence**: for gait, steps per minute from the feet passing each other (sign changes of the
  horizontal ankle separation, with hysteresis of ``step_hysteresis_legs`` leg lengths) over the
  last ``cadence_window_s``; for exercises, repetitions per minute.
* **Single-leg stance**: time since one ankle rose ``lift_legs`` leg lengths above the other.
* **Cues**: the cue texts of :mod:`analysis.exercise.cues`, fired by per-frame versions of its
  rules on the angles of :func:`analysis.angles.joint_angles` (knees caving in: knee medial
  offset; chest dropping at the bottom: sagittal trunk lean, side view only; not deep enough).
"""

from __future__ import annotations

import math
import warnings
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from numpy.typing import NDArray

from analysis.angles import View, bend_angles, image_view, joint_angles
from analysis.exercise.cues import CHEST, DEEPER, KNEES, CueConfig
from analysis.exercise.reps import DEFAULT_THRESHOLDS, KindThresholds
from analysis.exercise.signals import elbow_flexions, squat_knee_flexion
from analysis.stop_rules import stop_rule
from analysis.types import Trajectories
from capture.landmarks import LANDMARK_INDEX as I
from capture.landmarks import NUM_LANDMARKS

FloatArray = NDArray[np.float64]

#: Landmarks less visible than this are unseen, the default of ``Trajectories.from_landmarks``.
MIN_VISIBILITY: Final = 0.5

#: The joints whose angles the page writes beside the skeleton, per exercise.
JOINTS_BY_EXERCISE: Final[dict[str, tuple[str, ...]]] = {
    "gait": ("left_knee", "right_knee", "left_hip", "right_hip", "left_ankle", "right_ankle"),
    "squat": ("left_knee", "right_knee", "left_hip", "right_hip"),
    "sit_to_stand": ("left_knee", "right_knee", "left_hip", "right_hip"),
    "deadlift": ("left_hip", "right_hip", "left_knee", "right_knee"),
    "overhead_press": ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow"),
    "curl": ("left_elbow", "right_elbow", "left_shoulder", "right_shoulder"),
    "single_leg_stance": ("left_knee", "right_knee", "left_hip", "right_hip"),
    "jump": ("left_knee", "right_knee", "left_hip", "right_hip"),
}
REP_EXERCISES: Final = ("squat", "sit_to_stand", "deadlift", "overhead_press", "curl")
#: Kinds whose ``complete_at`` is an excursion from rest rather than an absolute signal level.
_RELATIVE_DEPTH: Final = ("sit_to_stand",)
#: Frames over which the camera view is decided by majority (about a second at live rates).
_VIEW_FRAMES: Final = 30


def counted_as(activity: str) -> str:
    """What the live metrics count for ``activity``: itself, or for a standard test the counting its
    stop rule reads (:mod:`analysis.stop_rules`; "jump" counts nothing live)."""
    rule = stop_rule(activity)
    if rule is None:
        return activity
    return rule.counts or activity


def frame_trajectories(image: FloatArray, *, min_visibility: float = MIN_VISIBILITY) -> Trajectories:
    """One frame of ``(33, 2..4)`` pixel landmarks as one-frame image trajectories.

    Columns: x_px, y_px, [z_px, [visibility]]; without a visibility column every landmark counts
    as seen. The sampling rate is nominal (one frame has no rate).
    """
    arr = np.zeros((1, NUM_LANDMARKS, 4))
    cols = min(image.shape[1], 3)
    arr[0, :, :cols] = image[:, :cols]
    arr[0, :, 3] = image[:, 3] if image.shape[1] >= 4 else 1.0
    return Trajectories.from_landmarks(arr, sampling_rate_hz=30.0, min_visibility=min_visibility)


def joint_angles_2d(image: FloatArray, joints: tuple[str, ...]) -> dict[str, float]:
    """:func:`analysis.angles.bend_angles` of ``joints`` from one frame of ``(33, 2..4)`` pixels.

    A joint whose landmarks are unseen (NaN or below ``MIN_VISIBILITY``) is left out.
    """
    angles = bend_angles(frame_trajectories(image), joints=joints)
    return {k: float(v[0]) for k, v in angles.items() if math.isfinite(float(v[0]))}


def _mid(image: FloatArray, a: str, b: str) -> FloatArray:
    mid: FloatArray = 0.5 * (image[I[a], :2] + image[I[b], :2])
    return mid


def _dist(p: FloatArray, q: FloatArray) -> float:
    return float(np.hypot(*(p - q)))


def _mean_seen(a: float, b: float) -> float:
    seen = [v for v in (a, b) if math.isfinite(v)]
    return sum(seen) / len(seen) if seen else math.nan


@dataclass(frozen=True)
class LiveMetricsConfig:
    """Tunable settings of :class:`LiveMetrics` (seconds, leg lengths, fractions)."""

    rest_window_s: float = 4.0
    return_fraction: float = 0.25
    max_rep_s: float = 20.0
    cadence_window_s: float = 10.0
    step_hysteresis_legs: float = 0.08
    lift_legs: float = 0.08
    cues: CueConfig = field(default_factory=CueConfig)


class RepCounter:
    """Causal repetition counter on a movement signal (rules in the module docstring)."""

    def __init__(self, kind: str, *, config: LiveMetricsConfig, thresholds: KindThresholds | None = None):
        self.kind = kind
        self.thresholds = thresholds or DEFAULT_THRESHOLDS[kind]  # type: ignore[index]
        self.config = config
        self.complete = 0
        self.partial = 0
        self.rep_end_times_s: deque[float] = deque(maxlen=6)
        self.last_depth: float | None = None
        self.max_depth: float | None = None  # deepest complete repetition
        self._window: deque[tuple[float, float]] = deque()
        self._in_rep = False
        self._rest = math.nan
        self._peak = math.nan
        self._start_s = math.nan

    @property
    def in_rep(self) -> bool:
        return self._in_rep

    def depth_reached(self) -> bool:
        if not self._in_rep:
            return False
        depth = self._peak - self._rest if self.kind in _RELATIVE_DEPTH else self._peak
        return depth >= self.thresholds.complete_at

    def update(self, value: float, *, time_s: float) -> bool | None:
        """Feed one sample; returns True/False when a complete/partial repetition just ended."""
        if not math.isfinite(value):
            return None
        th, cfg = self.thresholds, self.config
        if not self._in_rep:
            self._window.append((time_s, value))
            while self._window[0][0] < time_s - cfg.rest_window_s:
                self._window.popleft()
            rest = min(v for _, v in self._window)
            if value - rest >= th.min_excursion:
                self._in_rep, self._rest, self._peak, self._start_s = True, rest, value, time_s
            return None
        self._peak = max(self._peak, value)
        if time_s - self._start_s > cfg.max_rep_s:  # never came back: the person moved away
            self._in_rep = False
            self._window.clear()
            return None
        if value <= self._rest + cfg.return_fraction * (self._peak - self._rest):
            complete = self.depth_reached()
            depth = self._peak - self._rest if self.kind in _RELATIVE_DEPTH else self._peak
            self.last_depth = depth
            if complete:
                self.max_depth = depth if self.max_depth is None else max(self.max_depth, depth)
            self._in_rep = False
            self._window.clear()
            self._window.append((time_s, value))
            if complete:
                self.complete += 1
            else:
                self.partial += 1
            self.rep_end_times_s.append(time_s)
            return complete
        return None

    def per_minute(self, *, now_s: float, window_s: float) -> float | None:
        recent = [t for t in self.rep_end_times_s if t >= now_s - window_s]
        if len(recent) < 2:
            return None
        return 60.0 * (len(recent) - 1) / (recent[-1] - recent[0])


@dataclass
class LiveMetrics:
    """Metrics of the subject over a live session; feed :meth:`update` once per processed frame."""

    exercise: str
    config: LiveMetricsConfig = field(default_factory=LiveMetricsConfig)
    reps: RepCounter | None = field(init=False, default=None)
    _legs: deque[float] = field(init=False, default_factory=lambda: deque(maxlen=90))
    _arms: deque[float] = field(init=False, default_factory=lambda: deque(maxlen=90))
    _step_side: int = field(init=False, default=0)
    _steps: deque[float] = field(init=False, default_factory=lambda: deque(maxlen=64))
    _lift_since_s: float | None = field(init=False, default=None)
    _views: deque[View] = field(init=False, default_factory=lambda: deque(maxlen=_VIEW_FRAMES))
    best_stance_s: float = field(init=False, default=0.0)
    #: Whether the subject stands on one leg in the latest frame (None: the ankles were not seen).
    on_one_leg: bool | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.exercise in REP_EXERCISES:
            self.reps = RepCounter(self.exercise, config=self.config)

    def _length(self, image: FloatArray, store: deque[float], a: str, b: str, c: str) -> float:
        for s in ("left", "right"):
            p, q, r = (image[I[f"{s}_{n}"], :2] for n in (a, b, c))
            length = _dist(p, q) + _dist(q, r)
            if math.isfinite(length) and length > 0:
                store.append(length)
        return float(np.percentile(store, 90)) if store else math.nan

    def movement_signal(self, image: FloatArray, traj: Trajectories | None = None) -> float:
        """One frame of :func:`analysis.exercise.movement_signal` (sit-to-stand: pelvis height).

        ``traj`` is the frame as :func:`frame_trajectories` (built here when not given).
        """
        kind = self.exercise
        leg = self._length(image, self._legs, "hip", "knee", "ankle")
        if kind in ("squat", "curl"):
            frame = traj if traj is not None else frame_trajectories(image)
            if kind == "squat":
                return float(squat_knee_flexion(frame)[0])
            # Offline takes the arm that moves more over the recording; live, the more bent one.
            e = [float(v[0]) for v in elbow_flexions(frame).values()]
            return max((v for v in e if math.isfinite(v)), default=math.nan)
        pelvis_y = float(_mid(image, "left_hip", "right_hip")[1])
        wrist_y = _mean_seen(float(image[I["left_wrist"], 1]), float(image[I["right_wrist"], 1]))
        if kind == "sit_to_stand":
            return -pelvis_y / leg
        if kind == "deadlift":
            return (wrist_y - pelvis_y) / leg
        arm = self._length(image, self._arms, "shoulder", "elbow", "wrist")
        shoulder_y = float(_mid(image, "left_shoulder", "right_shoulder")[1])
        return (shoulder_y - wrist_y) / arm

    def view(self, traj: Trajectories) -> View:
        """The camera view by majority over the last ``_VIEW_FRAMES`` frames (offline: the recording's median)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a frame without shoulders or hips
            self._views.append(image_view(traj))
        return Counter(self._views).most_common(1)[0][0]

    def update(self, image: FloatArray, *, time_s: float) -> tuple[dict[str, float | int | None], list[str]]:
        """Metrics after this frame of ``(33, 2..4)`` pixel landmarks (see :func:`frame_trajectories`),
        and the cues it fires."""
        cues: list[str] = []
        out: dict[str, float | int | None] = {}
        leg = self._length(image, self._legs, "hip", "knee", "ankle")
        if self.reps is not None:
            traj = frame_trajectories(image)
            ended = self.reps.update(self.movement_signal(image, traj), time_s=time_s)
            out["reps"] = self.reps.complete
            out["partial_reps"] = self.reps.partial
            out["reps_per_min"] = self.reps.per_minute(now_s=time_s, window_s=60.0)
            out["depth"] = self.reps.max_depth
            out["last_depth"] = self.reps.last_depth
            if ended is False and self.exercise in ("squat", "deadlift"):
                cues.append(DEEPER)
            if self.reps.in_rep:
                cues.extend(self._form_cues(traj))
        if self.exercise == "gait":
            self._step(image, leg=leg, time_s=time_s)
            recent = [t for t in self._steps if t >= time_s - self.config.cadence_window_s]
            out["steps"] = len(self._steps)
            out["cadence_steps_per_min"] = (
                60.0 * (len(recent) - 1) / (recent[-1] - recent[0]) if len(recent) >= 3 else None
            )
        if self.exercise == "single_leg_stance":
            out["stance_s"] = self._stance(image, leg=leg, time_s=time_s)
            out["best_stance_s"] = self.best_stance_s
        return out, cues

    def _form_cues(self, traj: Trajectories) -> list[str]:
        """The per-frame versions of :func:`analysis.exercise.cues.form_cues`' rules (same angles)."""
        cfg = self.config.cues
        cues = []
        angles = joint_angles(traj, view=self.view(traj))
        if self.exercise in ("squat", "sit_to_stand", "deadlift"):
            left = float(angles["left_knee_medial_offset"][0])
            right = float(angles["right_knee_medial_offset"][0])
            # As offline: one knee medial while the other is lateral is a camera turned sideways.
            caving = max(left if right >= 0 else -math.inf, right if left >= 0 else -math.inf)
            if caving > cfg.knee_medial_offset_hip_widths:
                cues.append(KNEES)
        if self.exercise == "squat" and self.reps is not None and self.reps.depth_reached():
            lean = float(angles["trunk_lean_sagittal"][0])  # NaN in a front view: silent, as offline
            if lean > cfg.chest_up_max_lean_deg:
                cues.append(CHEST)
        return cues

    def _step(self, image: FloatArray, *, leg: float, time_s: float) -> None:
        separation = float(image[I["left_ankle"], 0] - image[I["right_ankle"], 0])
        if not (math.isfinite(separation) and math.isfinite(leg)):
            return
        band = self.config.step_hysteresis_legs * leg
        side = 1 if separation > band else -1 if separation < -band else 0
        if side and side != self._step_side:
            if self._step_side:
                self._steps.append(time_s)
            self._step_side = side

    def _stance(self, image: FloatArray, *, leg: float, time_s: float) -> float:
        gap = abs(float(image[I["left_ankle"], 1] - image[I["right_ankle"], 1]))
        seen = math.isfinite(gap) and math.isfinite(leg)
        self.on_one_leg = (gap > self.config.lift_legs * leg) if seen else None
        if self.on_one_leg:
            if self._lift_since_s is None:
                self._lift_since_s = time_s
            held = time_s - self._lift_since_s
            self.best_stance_s = max(self.best_stance_s, held)
            return held
        self._lift_since_s = None
        return 0.0
