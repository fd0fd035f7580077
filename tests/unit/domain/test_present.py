"""Values as a clinician reads them: the precision of the measurement, counts as whole numbers."""

from __future__ import annotations

import pytest

from clinic.domain.present import format_number, format_value


@pytest.mark.parametrize(
    ("value", "unit", "metric", "shown"),
    [
        (97.66, "steps/min", "cadence", "97.7 steps/min"),
        (62.4, "deg", "knee_flexion_rom", "62°"),
        (62.5001, "deg", "knee_flexion_rom", "63°"),
        (-0.3, "deg", "trunk_lean", "0°"),  # no "-0°"
        (4.0, "count", "squat_complete_reps", "4 repetitions"),
        (1.0, "count", "squat_partial_reps", "1 repetition"),
        (12.0, "count", "chair_stand_count", "12 stands"),
        (1.1234, "m/s", "gait_speed", "1.12 m/s"),
        (0.456, "s", "step_time", "0.46 s"),
        (0.6789, "m", "step_length", "0.68 m"),
        (7.0, "score", "reba_score", "7"),
        (None, "m", "step_length", "\u2013"),
        (float("nan"), "deg", "knee_flexion_rom", "\u2013"),
    ],
)
def test_format_value(value: float | None, unit: str, metric: str, shown: str) -> None:
    assert format_value(value, unit=unit, metric=metric) == shown


def test_an_unknown_unit_keeps_two_decimals() -> None:
    assert format_number(0.123456, unit="leg lengths of pelvis rise") == "0.12"
