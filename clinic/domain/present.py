"""How a measured value is shown to a clinician: sensible precision, counts as integers.

One place for pages and documents, so the same value reads the same everywhere. The precision is
that of the measurement, not of the arithmetic: a goniometer reads to the degree (Norkin & White,
*Measurement of Joint Motion*, 5th ed.: inter-rater reliability is a few degrees at best), cadence
is counted to a tenth of a step per minute, lengths and times to the centimetre and hundredth of
a second, and a count of repetitions is a whole number ("4 repetitions", never "4.00 count").
"""

from __future__ import annotations

import math

# Decimal places per unit; a unit not listed keeps two.
DECIMALS = {"deg": 0, "steps/min": 1, "m": 2, "s": 2, "m/s": 2, "%": 1, "score": 0, "count": 0}
UNIT_TEXT = {"deg": "°", "count": "", "score": ""}  # a score is named by its metric ("REBA score 7")
NO_VALUE = "\u2013"  # an en dash: the cell is empty on purpose


def count_noun(metric: str, value: float) -> str:
    """The word a count reads with: "repetition(s)" for repetitions, "stand(s)" for chair stands."""
    one = abs(value) == 1
    if metric.endswith("_reps") or "repetition" in metric:
        return "repetition" if one else "repetitions"
    if metric == "chair_stand_count":
        return "stand" if one else "stands"
    return ""


def format_number(value: float | None, *, unit: str) -> str:
    """``value`` with the precision of its ``unit`` (no unit attached); an en dash for no value."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return NO_VALUE
    decimals = DECIMALS.get(unit, 2)
    text = f"{value:.{decimals}f}"
    return "0" if decimals == 0 and text == "-0" else text


def format_value(value: float | None, *, unit: str, metric: str = "") -> str:
    """``value`` with its unit as a clinician reads it: "62°", "97.7 steps/min", "4 repetitions"."""
    number = format_number(value, unit=unit)
    if value is None or number == NO_VALUE:
        return number
    if unit == "count":
        noun = count_noun(metric, value)
        return f"{number} {noun}".strip()
    suffix = UNIT_TEXT.get(unit, unit)
    if suffix == "°":
        return f"{number}°"
    return f"{number} {suffix}".strip()
