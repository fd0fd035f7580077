"""From the typed result of an analysis to metric values with units (catalogue metrics feed goals).

Pure: a :class:`~analysis.results.VideoResult` in, :class:`~clinic.domain.events.MetricValue`
and :class:`~clinic.domain.events.WithheldValue` tuples out. The values and their judgement
(camera view, quality grade, method, or the reason a value is withheld: wrong view, poor
landmarks, implausible, no scale) come from the analysis's assessment
(:mod:`analysis.section_values`, :mod:`analysis.measurements`), where the definitions are
documented; the REBA score is judged here the same way, since it is computed beside the sections.

A value whose code is in the catalogue (:data:`clinic.domain.vocabulary.METRICS`) and whose unit
and range match becomes a measurement (and may achieve a goal); the others are kept with the
analysis only.

Every number is first rounded as the stored summary holds it (4 decimals, NaN and infinity
left out: :func:`analysis.serialize.to_jsonable`), then to the metric's precision, so a metric
always agrees with the summary recorded beside it. Counts stay whole numbers.
"""

from __future__ import annotations

import math

import numpy as np

from analysis.measurements import Measured, Withheld, both, points
from analysis.results import VideoResult
from clinic.domain.events import MetricValue, WithheldValue

STORED_DECIMALS = 4
#: Decimals once stored, by unit (angles to hundredths; counts whole), then by metric.
DECIMALS_BY_UNIT = {"deg": 2, "count": 0}
DECIMALS_BY_METRIC = {"single_leg_stance_time": 3, "step_time_symmetry": 2, "step_length_symmetry": 2}
REBA_POINTS = points("nose") + both("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
REBA_METHOD = "REBA (Hignett & McAtamney 2000) from 2D video pose, the worst score held for 0.5 s"


def _stored(value: float) -> float | None:
    """``value`` as the stored summary holds it (None when not finite)."""
    if not math.isfinite(value):
        return None
    return round(float(value), STORED_DECIMALS)


def _metric_value(m: Measured) -> MetricValue | None:
    number = _stored(m.value)
    if number is None:
        return None
    digits = DECIMALS_BY_METRIC.get(m.metric, DECIMALS_BY_UNIT.get(m.unit, STORED_DECIMALS))
    return MetricValue(
        metric=m.metric,
        value=float(round(number, digits)),
        unit=m.unit,
        side=m.side,
        quality=m.quality,
        view=m.view,
        method=m.method,
    )


def _withheld_value(w: Withheld) -> WithheldValue:
    return WithheldValue(metric=w.metric, side=w.side, code=w.code, reason=w.reason)


def _judged(result: VideoResult) -> tuple[list[Measured], list[Withheld]]:
    assessment = result.sections.assessment
    if assessment is None:
        return [], []
    values, withheld = list(assessment.values), list(assessment.withheld)
    reba = result.ergonomics.summary
    if reba is not None and reba.final_score is not None:
        judged = assessment.assessor.judge(
            "reba_score",
            float(reba.final_score),
            unit="score",
            uses=REBA_POINTS,
            method=REBA_METHOD,
            frames=np.ones_like(assessment.assessor.activity.mask),  # REBA scores every frame
        )
        if isinstance(judged, Measured):
            values.append(judged)
        elif isinstance(judged, Withheld):
            withheld.append(judged)
    # The values only the 3D skeleton gives, judged by the same assessor (analysis.skeleton3d).
    for judged in result.skeleton_fit.values:
        if isinstance(judged, Measured):
            values.append(judged)
        else:
            withheld.append(judged)
    return values, withheld


def metric_values(result: VideoResult) -> tuple[MetricValue, ...]:
    """Every reported metric value of an analysis result (quality, view, method), in a stable
    order; none for a result without an assessment (it was not built from landmarks)."""
    values, _ = _judged(result)
    return tuple(v for m in values if (v := _metric_value(m)) is not None)


def withheld_values(result: VideoResult) -> tuple[WithheldValue, ...]:
    """The values the analysis measured but does not report, each with its reason."""
    _, withheld = _judged(result)
    return tuple(_withheld_value(w) for w in withheld)
