"""The typed result of a video analysis, and its JSON form (defined here and nowhere else).

:class:`VideoSections` is what :func:`analysis.report.video_sections` returns: the ``gait``,
``exercise``, ``balance`` and ``angles`` sections and the ``analysis`` notes (activity, detected,
absent reasons, scale, config), each holding the library's own typed objects
(:class:`~analysis.gait.GaitParameters`, :class:`~analysis.exercise.ExerciseResult`, ...).
:class:`VideoResult` adds the REBA summary and the constant-bone-length fit: it is what an
offline analysis records (its :meth:`VideoResult.to_json` is the ``summary`` of
``AnalysisCompleted``).

JSON conventions (:func:`analysis.serialize.to_jsonable`): floats rounded to 4 decimals, NaN and
infinity become None, tuples become lists. The key names and order are part of the stored
format: pages, reports and exports read them, so they never change (upcast stored summaries
instead).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analysis.angles import CONVENTION, RangeOfMotion
from analysis.balance import SingleLegStance, Sway
from analysis.ergonomics import RebaSummary
from analysis.exercise import ExerciseResult
from analysis.gait import GaitEvents, GaitParameters
from analysis.outcome_section import OutcomeSection
from analysis.refine3d import RefinedSkeleton
from analysis.serialize import JsonValue, to_jsonable

if TYPE_CHECKING:  # report.py builds these results, so it is imported for types only
    from analysis.measurements import Assessment, Judged
    from analysis.report import ReportConfig

GAIT_METHOD = "Zeni et al. 2008 heel/toe extremes relative to the pelvis"
LANDMARKS_NOTE = "image (pixels), left/right swaps repaired"


@dataclass(frozen=True)
class GaitSection:
    """Events and parameters of the walking found (``sampling_rate_hz`` of the landmarks)."""

    events: GaitEvents
    parameters: GaitParameters
    sampling_rate_hz: float

    def to_json(self) -> dict[str, JsonValue]:
        params = to_jsonable(self.parameters)
        params.pop("step_lengths_units", None)  # per-step values in image units: not stored

        def events(kind: str) -> list[dict[str, Any]]:
            return [
                {"frame": e.frame, "time_s": round(e.time_s, 4), "side": e.foot}
                for e in self.events.events
                if e.event == kind
            ]

        return {
            "heel_strikes": events("initial_contact"),
            "toe_offs": events("toe_off"),
            "cadence_steps_per_min": to_jsonable(self.parameters.cadence_steps_per_min),
            "step_time_s": params["step_time_s"],
            "stride_time_s": params["stride_time_s"],
            "stance_time_s": params["stance_time_s"],
            "swing_time_s": params["swing_time_s"],
            "step_length_m": params["step_length_m"],
            "stride_length_m": params["stride_length_m"],
            "gait_speed_m_per_s": params["gait_speed_m_per_s"],
            "symmetry": params["symmetry"],
            "flags": params["flags"],
            "parameters": params,
            "rate_hz": self.sampling_rate_hz,
            "method": GAIT_METHOD,
        }


@dataclass(frozen=True)
class ExerciseSection:
    """Repetitions, their phases and form cues of one exercise kind."""

    result: ExerciseResult

    def to_json(self) -> dict[str, JsonValue]:
        res = self.result
        reps = [
            {
                "start_frame": r.start_frame,
                "bottom_frame": r.bottom_frame,
                "end_frame": r.end_frame,
                "complete": r.complete,
                "reason": r.reason,
                "depth": to_jsonable(r.depth),
                "depth_unit": res.unit,
                "duration_s": to_jsonable(r.duration_s),
                "phases": to_jsonable(r.phases),
                "angles": to_jsonable(r.angles_at_bottom),
                "cues": [{"text": c.text, "phase": c.phase, "frame": c.frame} for c in res.cues[r.index]],
            }
            for r in res.reps
        ]
        return {
            "kind": res.kind,
            "reps": reps,
            "complete_reps": res.complete_reps,
            "partial_reps": res.partial_reps,
        }


@dataclass(frozen=True)
class BalanceSection:
    """Single-leg stance bouts and the sway of the longest (None: too few frames with a COM)."""

    stance: SingleLegStance
    sway: Sway | None

    def to_json(self) -> dict[str, JsonValue]:
        return {"single_leg_stance": to_jsonable(self.stance), "sway": to_jsonable(self.sway)}


@dataclass(frozen=True)
class ScaleNote:
    """The length scale used: ``metres_per_pixel`` None when lengths stay in pixels."""

    source: str
    metres_per_pixel: float | None
    detail: str

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "source": self.source,
            "metres_per_pixel": None if self.metres_per_pixel is None else round(self.metres_per_pixel, 6),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class AnalysisNotes:
    """What was asked (``activity``), what was found (``detected``, in order), why each missing
    section is absent, the scale and the thresholds used."""

    activity: str
    detected: tuple[str, ...]
    absent: Mapping[str, str]
    scale: ScaleNote
    config: ReportConfig

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "activity": self.activity,
            "detected": list(self.detected),
            "absent": dict(self.absent),
            "scale": self.scale.to_json(),
            "landmarks": LANDMARKS_NOTE,
            "config": to_jsonable(self.config),
        }


@dataclass(frozen=True)
class VideoSections:
    """The sections of one tracked person's landmarks; a section is None when absent (its reason
    is in ``analysis.absent``); ``angles`` is the range of motion per joint angle over the
    activity's frames; ``assessment`` the judged values (view segments, quality, withheld values
    with reasons), None only for results built by hand without landmarks."""

    gait: GaitSection | None
    exercise: ExerciseSection | None
    angles: Mapping[str, RangeOfMotion]
    balance: BalanceSection | None
    analysis: AnalysisNotes
    assessment: Assessment | None = None
    outcome: OutcomeSection | None = None

    def to_json(self) -> dict[str, JsonValue]:
        """``{"gait", "exercise", "angles", "balance", "outcome", "analysis"}`` (the command's JSON file);
        ``analysis`` adds the angle convention and, with an assessment, ``views``,
        ``views_text``, ``activity_frames``, ``measurements`` and ``withheld``."""
        analysis = self.analysis.to_json()
        analysis["angle_convention"] = CONVENTION
        if self.assessment is not None:
            analysis.update(self.assessment.to_json())
        sections = {
            "gait": self.gait.to_json() if self.gait else None,
            "exercise": self.exercise.to_json() if self.exercise else None,
            "angles": self.angles,
            "balance": self.balance.to_json() if self.balance else None,
            "outcome": self.outcome.to_json() if self.outcome else None,
            "analysis": analysis,
        }
        result: dict[str, JsonValue] = to_jsonable(sections)
        return result


@dataclass(frozen=True)
class Ergonomics:
    """REBA summary of the subject (Hignett & McAtamney 2000); None with the ``reason`` when no
    frame could be scored."""

    summary: RebaSummary | None
    reason: str | None = None

    def to_json(self) -> dict[str, JsonValue]:
        if self.summary is None:
            return {"reba": None, "reason": self.reason}
        return {"reba": to_jsonable(self.summary)}


@dataclass(frozen=True)
class SkeletonFit:
    """The constant-bone-length fit: its bone lengths and quality, and the values only a 3D
    skeleton gives (:mod:`analysis.skeleton3d`, judged like every other value). The skeleton
    itself is stored beside the analysis as a sealed blob (``skeleton_sha256`` in the summary,
    added by the task that stores it). ``fit`` None with the ``reason`` when not requested or
    not possible."""

    fit: RefinedSkeleton | None
    reason: str | None = None
    values: tuple[Judged, ...] = ()

    def to_json(self) -> dict[str, JsonValue]:
        if self.fit is None:
            return {"refined": False, "reason": self.reason}
        return {
            "refined": True,
            "bone_lengths_m": to_jsonable(self.fit.bone_lengths_m),
            "bone_cv_before_pct": to_jsonable(self.fit.bone_cv_before_pct),
            "bone_cv_after_pct": to_jsonable(self.fit.bone_cv_after_pct),
            "reprojection_px_before": to_jsonable(self.fit.reprojection_px_before),
            "reprojection_px_after": to_jsonable(self.fit.reprojection_px_after),
            "values": [v.to_json() for v in self.values],
        }


@dataclass(frozen=True)
class VideoResult:
    """Everything an offline analysis of one landmark sequence records."""

    sections: VideoSections
    ergonomics: Ergonomics
    skeleton_fit: SkeletonFit

    def to_json(self) -> dict[str, JsonValue]:
        """The stored summary: ``gait``, ``exercise``, ``balance``, ``outcome``, ``angles``, ``analysis``,
        ``reba`` (and ``reason`` when None) and ``refine_3d``, in this order."""
        sections = self.sections.to_json()
        summary = {
            key: sections[key] for key in ("gait", "exercise", "balance", "outcome", "angles", "analysis")
        }
        summary.update(self.ergonomics.to_json())
        summary["refine_3d"] = self.skeleton_fit.to_json()
        return summary
