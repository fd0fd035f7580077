"""A goal's progress and status at a point in time: one rule for the goals read model, the pages
and the documents, so a goal reads the same percentage everywhere.

Progress is the share of the way from baseline to target, in percent, rounded to a tenth; it may
exceed 100 (past the target) or go negative (away from it). Shown as a whole percentage, halves
rounded up (148.5 -> "149%"): Python's ``f"{x:.0f}"`` rounds half to even and Django's
``floatformat`` rounds half up, which is how one goal once read 149% on a page and 148% in a PDF.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from clinic.domain import vocabulary as vocab
from clinic.domain.goals import achievement_after
from clinic.domain.patients import GoalState

NO_VALUE = "\u2013"


def progress_percent(*, baseline: float | None, target: float, value: float) -> float | None:
    """Share of the way from baseline to target, in percent to a tenth (None without a baseline)."""
    if baseline is None or target == baseline:
        return None
    return round(100.0 * (value - baseline) / (target - baseline), 1)


def format_percent(percent: float | None) -> str:
    """A progress percentage as pages and documents print it: whole percent, halves rounded up."""
    if percent is None:
        return NO_VALUE
    whole = Decimal(str(percent)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return f"{whole}%"


@dataclass(frozen=True, kw_only=True)
class GoalStanding:
    """A goal as it stood after a series of values: its latest value and date, progress, status."""

    latest_value: float | None
    latest_on: date | None
    progress_percent: float | None
    achievement_status: str


def standing(
    goal: GoalState, *, baseline: float | None, values: Iterable[tuple[date, float]]
) -> GoalStanding:
    """Fold ``values`` (date, value; oldest first, measured after the goal was set) through the
    goal rule, as the goals read model does event by event."""
    status: str = vocab.GoalAchievement.IN_PROGRESS
    latest: tuple[date, float] | None = None
    for measured_on, value in values:
        previous = latest[1] if latest is not None else baseline
        after = achievement_after(goal, status=status, baseline=baseline, previous=previous, value=value)
        status = vocab.GoalAchievement.ACHIEVED if after is None else after
        latest = (measured_on, value)
    return GoalStanding(
        latest_value=latest[1] if latest else None,
        latest_on=latest[0] if latest else None,
        progress_percent=(
            progress_percent(baseline=baseline, target=goal.target, value=latest[1]) if latest else None
        ),
        achievement_status=str(status),
    )
