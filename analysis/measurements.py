"""Each value of an analysis with what makes it trustworthy, or withheld with the reason.

:class:`Assessor` holds the context of one recording (camera view segments, the activity's
frames, the raw landmarks, the scale) and :meth:`Assessor.judge` applies, in order:

1. **view** (:mod:`analysis.validity`): a metric uses the activity's frames in the segments of
   the views it is valid in; none -> withheld ``wrong_view``;
2. **quality** (:mod:`analysis.quality`) of the landmarks it needs over those frames; not usable
   -> withheld ``poor_quality``;
3. **plausibility** (:mod:`analysis.plausibility`) -> withheld ``implausible``;

and lengths without a trusted scale are withheld ``no_scale`` (:meth:`Assessor.no_scale`).
A reported value carries its grade, the view it was measured in (the segment view holding most
of its frames) and its method in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from analysis.activity_frames import ActivityFrames
from analysis.camera_view import CameraView, CameraViews
from analysis.plausibility import implausible_reason
from analysis.quality import Grade, QualityConfig, grade_landmarks
from analysis.serialize import JsonValue
from analysis.types import BlazePose, BoolArray, Landmarks
from analysis.validity import valid_views, wrong_view_reason

WithheldCode = Literal["wrong_view", "implausible", "poor_quality", "no_scale"]

#: Words for each metric in a clinician's sentence.
LABELS: dict[str, str] = {
    "cadence": "cadence",
    "gait_speed": "gait speed",
    "step_length": "step length",
    "stride_length": "stride length",
    "step_time": "step time",
    "stride_time": "stride time",
    "stance_pct": "stance share of the gait cycle",
    "double_support_pct": "double support share of the gait cycle",
    "step_time_symmetry": "step-time symmetry",
    "step_length_symmetry": "step-length symmetry",
    "knee_flexion_rom": "knee flexion range of motion",
    "hip_flexion_rom": "hip flexion range of motion",
    "shoulder_flexion_rom": "shoulder flexion range of motion",
    "knee_valgus_peak": "peak knee valgus",
    "squat_depth": "squat depth (knee flexion)",
    "single_leg_stance_time": "single-leg stance time",
    "reba_score": "REBA score",
    "chair_stand_count": "30-second chair stand",
    "five_times_sit_to_stand": "five-times sit-to-stand",
    "timed_up_and_go": "Timed Up and Go",
    "ten_metre_walk_speed": "10-metre walk speed",
    "jump_height": "jump height",
    "landing_knee_flexion": "landing knee flexion",
    "jump_takeoff_velocity": "jump take-off velocity",
    "landing_deceleration": "landing deceleration",
    "knee_angular_velocity": "knee angular velocity",
    "knee_angular_velocity_symmetry": "knee angular velocity symmetry",
    "hip_angular_velocity": "hip angular velocity",
    "hip_angular_velocity_symmetry": "hip angular velocity symmetry",
    "landing_knee_flexion_symmetry": "landing knee flexion symmetry",
    "trunk_forward_lean_3d": "trunk forward lean (3D)",
    "trunk_lateral_lean_3d": "trunk sideways lean (3D)",
    "trunk_rotation_3d": "trunk rotation relative to the pelvis (3D)",
    "pelvis_rotation_3d": "pelvis rotation (3D)",
    "knee_flexion_peak_3d": "peak knee flexion (3D)",
    "hip_flexion_peak_3d": "peak hip flexion (3D)",
}


def label(metric: str, side: str = "") -> str:
    words = LABELS.get(metric, metric.replace("_", " "))
    return f"{side} {words}" if side else words


def points(*names: str) -> tuple[int, ...]:
    """BlazePose indices of landmark names (``"left_knee"``...)."""
    return tuple(int(BlazePose[n.upper()]) for n in names)


def sided(side: str, *names: str) -> tuple[int, ...]:
    return points(*(f"{side}_{n}" for n in names))


def both(*names: str) -> tuple[int, ...]:
    return sided("left", *names) + sided("right", *names)


@dataclass(frozen=True)
class Measured:
    """A reported value: ``quality`` good/fair/poor, ``view`` it was measured in, ``method``."""

    metric: str
    side: str
    value: float
    unit: str
    quality: Grade
    view: CameraView
    method: str
    quality_detail: str

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "metric": self.metric,
            "side": self.side,
            "value": round(self.value, 4),
            "unit": self.unit,
            "quality": self.quality,
            "view": self.view,
            "method": self.method,
            "quality_detail": self.quality_detail,
        }


@dataclass(frozen=True)
class Withheld:
    """A value not reported, with ``code`` and the ``reason`` in words."""

    metric: str
    side: str
    code: WithheldCode
    reason: str

    def to_json(self) -> dict[str, JsonValue]:
        return {"metric": self.metric, "side": self.side, "code": self.code, "reason": self.reason}


Judged = Measured | Withheld


@dataclass(frozen=True)
class Assessor:
    """The context a recording's values are judged in (see the module docstring).

    ``landmarks``: the raw image landmarks ``(frames, 33, 4)`` (visibility included);
    ``activity_name`` selects activity plausibility ranges (``"gait"``...); ``scale_reason`` is
    why lengths have no scale (None when they have one).
    """

    views: CameraViews
    activity: ActivityFrames
    landmarks: Landmarks
    sampling_rate_hz: float
    activity_name: str | None
    scale_reason: str | None
    quality_config: QualityConfig = field(default_factory=QualityConfig)

    def frames_for(self, metric: str, frames: BoolArray | None = None) -> BoolArray:
        """The activity's frames (or ``frames``) inside segments of the metric's valid views."""
        base = self.activity.mask if frames is None else frames
        return base & self.views.frames_in(valid_views(metric))

    def judge(
        self,
        metric: str,
        value: float | None,
        *,
        unit: str,
        uses: tuple[int, ...],
        method: str,
        side: str = "",
        frames: BoolArray | None = None,
        fair_at_best_unless: CameraView | None = None,
        fair_at_best_because: str | None = None,
    ) -> Judged | None:
        """``value`` measured with landmarks ``uses`` judged for ``metric`` (None: no value and
        nothing to say, e.g. a series never measured). ``frames`` narrows the activity's frames;
        ``fair_at_best_unless`` caps the grade at fair outside that view (a projected angle),
        ``fair_at_best_because`` caps it with that reason."""
        name = label(metric, side)
        used = self.frames_for(metric, frames)
        base = self.activity.mask if frames is None else frames
        if not used.any():
            return Withheld(
                metric=metric,
                side=side,
                code="wrong_view",
                reason=wrong_view_reason(metric, label=name, seen=self.views.dominant(base)),
            )
        if value is None or not np.isfinite(value):
            return None
        quality = grade_landmarks(
            self.landmarks, uses, used, sampling_rate_hz=self.sampling_rate_hz, config=self.quality_config
        )
        if quality.grade is None:
            return Withheld(metric=metric, side=side, code="poor_quality", reason=f"{name}: {quality.reason}")
        implausible = implausible_reason(metric, float(value), label=name, activity=self.activity_name)
        if implausible is not None:
            return Withheld(metric=metric, side=side, code="implausible", reason=implausible)
        view = self.views.dominant(used)
        assert view is not None  # used frames lie in segments
        if fair_at_best_unless is not None and view != fair_at_best_unless:
            quality = quality.capped("fair", why=f"read from a {view} view (projected)")
        if fair_at_best_because is not None:
            quality = quality.capped("fair", why=fair_at_best_because)
        assert quality.grade is not None
        return Measured(
            metric=metric,
            side=side,
            value=float(value),
            unit=unit,
            quality=quality.grade,
            view=view,
            method=method,
            quality_detail=quality.reason,
        )

    def no_scale(self, metric: str, side: str = "") -> Withheld:
        """A length left out because the scale is absent or not trusted."""
        why = self.scale_reason or "no scale"
        return Withheld(
            metric=metric,
            side=side,
            code="no_scale",
            reason=f"{label(metric, side)} needs a trustworthy length scale: {why}",
        )


@dataclass(frozen=True)
class Assessment:
    """The judged values of a recording in a stable order, and the context they were judged in."""

    assessor: Assessor
    values: tuple[Measured, ...]
    withheld: tuple[Withheld, ...]

    @staticmethod
    def of(assessor: Assessor, judged: list[Judged | None]) -> Assessment:
        return Assessment(
            assessor=assessor,
            values=tuple(j for j in judged if isinstance(j, Measured)),
            withheld=tuple(j for j in judged if isinstance(j, Withheld)),
        )

    def to_json(self) -> dict[str, JsonValue]:
        views = self.assessor.views
        return {
            "views": [
                {
                    "view": s.view,
                    "start_frame": s.start_frame,
                    "end_frame": s.end_frame,
                    "yaw_deg": round(s.yaw_deg, 1),
                }
                for s in views.segments
            ],
            "views_text": views.describe(),
            "activity_frames": self.assessor.activity.describe(),
            "measurements": [m.to_json() for m in self.values],
            "withheld": [w.to_json() for w in self.withheld],
        }
