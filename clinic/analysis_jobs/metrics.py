"""From the typed result of an analysis to metric values with units (catalogue metrics feed goals).

Pure: a :class:`~analysis.results.VideoResult` in, a tuple of
:class:`~clinic.domain.events.MetricValue` out. A value whose code is in the catalogue
(:data:`clinic.domain.vocabulary.METRICS`) and whose unit and range match becomes a measurement
(and may achieve a goal); the others are kept with the analysis only.

Every number is first rounded as the stored summary holds it (4 decimals, NaN and infinity
left out: :func:`analysis.serialize.to_jsonable`), then to the metric's precision, so a metric
always agrees with the summary recorded beside it.

Definitions used here:

* symmetry in percent = 100 x smaller side / larger side (100 = perfectly symmetric), from the
  library's left/right means (:attr:`GaitParameters.symmetry <analysis.gait.GaitParameters>`);
* range of motion = max - min of the joint angle over the recording
  (:attr:`RangeOfMotion.range_deg <analysis.angles.RangeOfMotion>`), per side;
* squat depth = the deepest knee bend of the complete repetitions, in degrees (the library's
  rep ``depth`` for squats is knee bend in degrees);
* single-leg stance time = the longest stance bout, in seconds;
* REBA score = the final REBA score (held for at least 0.5 s).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from analysis.angles import RangeOfMotion
from analysis.ergonomics import RebaSummary
from analysis.gait.symmetry import Symmetry
from analysis.results import BalanceSection, ExerciseSection, GaitSection, VideoResult
from clinic.domain.events import MetricValue, WithheldValue

SIDES = ("left", "right")
STORED_DECIMALS = 4


def _stored(value: float | None) -> float | None:
    """``value`` as the stored summary holds it (None when not finite)."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), STORED_DECIMALS)


def _symmetry_pct(entry: Symmetry | None) -> float | None:
    if entry is None:
        return None
    left, right = _stored(entry.left), _stored(entry.right)
    if left is None or right is None or max(left, right) <= 0 or min(left, right) < 0:
        return None
    return round(100.0 * min(left, right) / max(left, right), 2)


def gait_metrics(gait: GaitSection | None) -> list[MetricValue]:
    if gait is None:
        return []
    p = gait.parameters
    out: list[MetricValue] = []

    def add(metric: str, value: float | None, unit: str, side: str = "") -> None:
        number = _stored(value)
        if number is not None:
            out.append(MetricValue(metric=metric, value=round(number, 4), unit=unit, side=side))

    add("cadence", p.cadence_steps_per_min, "steps/min")
    add("gait_speed", p.gait_speed_m_per_s, "m/s")
    if p.step_length_m is not None:
        add("step_length", p.step_length_m.both.mean, "m")
        add("step_length", p.step_length_m.left.mean, "m", "left")
        add("step_length", p.step_length_m.right.mean, "m", "right")
    add("step_time", p.step_time_s.both.mean, "s")
    add("stride_time", p.stride_time_s.both.mean, "s")
    add("stance_pct", p.stance_pct, "%")
    add("double_support_pct", p.double_support_pct, "%")
    add("step_time_symmetry", _symmetry_pct(p.symmetry.get("step_time_s")), "%")
    add("step_length_symmetry", _symmetry_pct(p.symmetry.get("step_length_m")), "%")
    return out


def angle_metrics(angles: Mapping[str, RangeOfMotion] | None) -> list[MetricValue]:
    out: list[MetricValue] = []
    for metric, joint in (
        ("knee_flexion_rom", "knee_flexion"),
        ("hip_flexion_rom", "hip_flexion"),
        ("shoulder_flexion_rom", "shoulder_flexion"),
    ):
        for side in SIDES:
            rom = (angles or {}).get(f"{side}_{joint}")
            value = _stored(rom.range_deg) if rom is not None else None
            if value is not None:
                out.append(MetricValue(metric=metric, value=round(value, 2), unit="deg", side=side))
    return out


def exercise_metrics(exercise: ExerciseSection | None) -> list[MetricValue]:
    if exercise is None:
        return []
    res = exercise.result
    out = [
        MetricValue(metric=f"{res.kind}_complete_reps", value=float(res.complete_reps), unit="count"),
        MetricValue(metric=f"{res.kind}_partial_reps", value=float(res.partial_reps), unit="count"),
    ]
    if res.kind == "squat":
        depths = [d for rep in res.reps if rep.complete and (d := _stored(rep.depth)) is not None]
        if depths:
            out.append(MetricValue(metric="squat_depth", value=round(max(depths), 2), unit="deg"))
    return out


def balance_metrics(balance: BalanceSection | None) -> list[MetricValue]:
    longest = balance.stance.longest if balance is not None else None
    value = _stored(longest.duration_s) if longest is not None else None
    if longest is None or value is None:
        return []
    return [
        MetricValue(
            metric="single_leg_stance_time", value=round(value, 3), unit="s", side=longest.stance_side or ""
        )
    ]


def ergonomics_metrics(reba: RebaSummary | None) -> list[MetricValue]:
    score = _stored(reba.final_score) if reba is not None else None
    return [] if score is None else [MetricValue(metric="reba_score", value=score, unit="score")]


def metric_values(result: VideoResult) -> tuple[MetricValue, ...]:
    """Every metric value of an analysis result, in a stable order."""
    sections = result.sections
    return tuple(
        gait_metrics(sections.gait)
        + exercise_metrics(sections.exercise)
        + balance_metrics(sections.balance)
        + angle_metrics(sections.angles)
        + ergonomics_metrics(result.ergonomics.summary)
    )


def withheld_values(result: VideoResult) -> tuple[WithheldValue, ...]:
    """The values the analysis measured but does not report, each with its reason."""
    return ()
