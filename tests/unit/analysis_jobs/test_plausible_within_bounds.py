"""One rule for the two kinds of limits: the catalogue's bounds are input bounds, the analysis's
plausibility ranges are physiological and lie inside them."""

from __future__ import annotations

from analysis.plausibility import ACTIVITY_RANGES, RANGES
from analysis.validity import VALID_VIEWS
from clinic.domain.vocabulary import METRICS


def test_plausible_ranges_lie_inside_the_catalogue_input_bounds() -> None:
    checked = 0
    for metric, rng in [*RANGES.items(), *((m, r) for (_, m), r in ACTIVITY_RANGES.items())]:
        known = METRICS.get(metric)
        if known is None:
            continue
        assert rng.unit == known.unit, metric
        assert known.minimum <= rng.low and rng.high <= known.maximum, metric
        checked += 1
    assert checked >= 12


def test_every_catalogue_metric_an_analysis_reports_has_a_range_and_views() -> None:
    analysed = {
        "cadence", "gait_speed", "step_length", "step_length_symmetry", "step_time_symmetry",
        "knee_flexion_rom", "hip_flexion_rom", "shoulder_flexion_rom", "single_leg_stance_time",
        "squat_depth", "reba_score", "knee_valgus_peak",
    }  # fmt: skip
    assert analysed <= set(METRICS)
    assert analysed <= set(RANGES)
    assert analysed <= set(VALID_VIEWS)
