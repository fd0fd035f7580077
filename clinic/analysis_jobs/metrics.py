"""From analysis sections to metric values with units (catalogue metrics feed goals).

Pure: a dict in (the merged output of :mod:`clinic.analysis_jobs.steps`), a tuple of
:class:`~clinic.domain.events.MetricValue` out. A value whose code is in the catalogue
(:data:`clinic.domain.vocabulary.METRICS`) and whose unit and range match becomes a measurement
(and may achieve a goal); the others are kept with the analysis only.

Definitions used here:

* symmetry in percent = 100 x smaller side / larger side (100 = perfectly symmetric), from the
  library's left/right means (``gait.symmetry.<parameter>``);
* range of motion = max - min of the joint angle over the recording (``angles.<joint>.range_deg``),
  per side;
* squat depth = the deepest knee bend of the complete repetitions, in degrees (the library's
  rep ``depth`` for squats is knee bend in degrees);
* single-leg stance time = the longest stance bout, in seconds;
* REBA score = the final REBA score (held for at least 0.5 s).
"""

from __future__ import annotations

import math
from typing import Any

from clinic.domain.events import MetricValue

SIDES = ("left", "right")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _get(tree: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(tree, dict):
            return None
        tree = tree.get(key)
    return tree


def _symmetry_pct(entry: Any) -> float | None:
    left, right = _number(_get(entry, "left")), _number(_get(entry, "right"))
    if left is None or right is None or max(left, right) <= 0 or min(left, right) < 0:
        return None
    return round(100.0 * min(left, right) / max(left, right), 2)


def gait_metrics(gait: dict[str, Any] | None) -> list[MetricValue]:
    if not gait:
        return []
    out: list[MetricValue] = []

    def add(metric: str, value: Any, unit: str, side: str = "") -> None:
        number = _number(value)
        if number is not None:
            out.append(MetricValue(metric=metric, value=round(number, 4), unit=unit, side=side))

    add("cadence", gait.get("cadence_steps_per_min"), "steps/min")
    add("gait_speed", gait.get("gait_speed_m_per_s"), "m/s")
    if gait.get("step_length_m"):
        add("step_length", _get(gait, "step_length_m", "both", "mean"), "m")
        for side in SIDES:
            add("step_length", _get(gait, "step_length_m", side, "mean"), "m", side)
    add("step_time", _get(gait, "step_time_s", "both", "mean"), "s")
    add("stride_time", _get(gait, "stride_time_s", "both", "mean"), "s")
    add("stance_pct", _get(gait, "parameters", "stance_pct"), "%")
    add("double_support_pct", _get(gait, "parameters", "double_support_pct"), "%")
    add("step_time_symmetry", _symmetry_pct(_get(gait, "symmetry", "step_time_s")), "%")
    add("step_length_symmetry", _symmetry_pct(_get(gait, "symmetry", "step_length_m")), "%")
    return out


def angle_metrics(angles: dict[str, Any] | None) -> list[MetricValue]:
    out: list[MetricValue] = []
    for metric, joint in (
        ("knee_flexion_rom", "knee_flexion"),
        ("hip_flexion_rom", "hip_flexion"),
        ("shoulder_flexion_rom", "shoulder_flexion"),
    ):
        for side in SIDES:
            value = _number(_get(angles, f"{side}_{joint}", "range_deg"))
            if value is not None:
                out.append(MetricValue(metric=metric, value=round(value, 2), unit="deg", side=side))
    return out


def exercise_metrics(exercise: dict[str, Any] | None) -> list[MetricValue]:
    if not exercise:
        return []
    kind = str(exercise.get("kind", ""))
    out = [
        MetricValue(
            metric=f"{kind}_complete_reps", value=float(exercise.get("complete_reps", 0)), unit="count"
        ),
        MetricValue(
            metric=f"{kind}_partial_reps", value=float(exercise.get("partial_reps", 0)), unit="count"
        ),
    ]
    if kind == "squat":
        depths = [
            d
            for rep in exercise.get("reps", [])
            if rep.get("complete") and (d := _number(rep.get("depth"))) is not None
        ]
        if depths:
            out.append(MetricValue(metric="squat_depth", value=round(max(depths), 2), unit="deg"))
    return out


def balance_metrics(balance: dict[str, Any] | None) -> list[MetricValue]:
    longest = _get(balance, "single_leg_stance", "longest")
    value = _number(_get(longest, "duration_s"))
    if value is None:
        return []
    side = str(_get(longest, "stance_side") or "")
    return [MetricValue(metric="single_leg_stance_time", value=round(value, 3), unit="s", side=side)]


def ergonomics_metrics(ergonomics: dict[str, Any] | None) -> list[MetricValue]:
    score = _number(_get(ergonomics, "final_score"))
    return [] if score is None else [MetricValue(metric="reba_score", value=score, unit="score")]


def metric_values(summary: dict[str, Any]) -> tuple[MetricValue, ...]:
    """Every metric value of a merged analysis summary, in a stable order."""
    return tuple(
        gait_metrics(summary.get("gait"))
        + exercise_metrics(summary.get("exercise"))
        + balance_metrics(summary.get("balance"))
        + angle_metrics(summary.get("angles"))
        + ergonomics_metrics(summary.get("reba"))
    )
