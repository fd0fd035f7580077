"""A record as it stood on a day (pure): certification in effect, goals' standing, discharge."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from clinic.reports.asof import as_of, certification_on
from clinic.reports.model import CertificationPeriod
from tests.unit.reports.records import VISITS, record

FIRST = CertificationPeriod(
    start=date(2026, 1, 5), end=date(2026, 3, 31), frequency_per_week=2, duration_weeks=12
)
RECERT = CertificationPeriod(
    start=date(2026, 4, 1), end=date(2026, 6, 29), frequency_per_week=1, duration_weeks=12
)


def test_the_period_in_effect_is_the_one_containing_the_day() -> None:
    periods = (FIRST, RECERT)
    assert certification_on(periods, date(2026, 1, 4)) is None  # before any plan of care
    assert certification_on(periods, date(2026, 1, 5)) == FIRST
    assert certification_on(periods, date(2026, 3, 31)) == FIRST
    assert certification_on(periods, date(2026, 4, 1)) == RECERT
    assert certification_on((FIRST,), date(2026, 5, 1)) == FIRST  # lapsed: the last one that started


def test_a_goal_reads_as_it_stood_after_the_values_up_to_the_day() -> None:
    evaluation_day, treatment_day, discharge_day = (day for _, day in VISITS)
    full = replace(record(), certifications=(FIRST, RECERT))
    at_treatment = as_of(full, day=treatment_day)
    goal = at_treatment.goals[0]
    series = [m for m in full.measurements if m.metric == goal.metric]
    assert (goal.latest_on, goal.latest_value) == (treatment_day, series[1].value)
    assert goal.progress_percent == round(
        100 * (series[1].value - goal.baseline) / (goal.target - goal.baseline), 1
    )
    assert goal.achievement_status == "improving"
    assert [v.visit_date for v in at_treatment.visits] == [evaluation_day, treatment_day]
    assert at_treatment.status == "active" and at_treatment.discharged_on is None
    assert at_treatment.certification_start == FIRST.start
    assert as_of(full, day=discharge_day).discharged_on == discharge_day


def test_a_goal_set_after_the_day_and_a_later_lifecycle_change_are_not_shown() -> None:
    base = record()
    later = replace(base.goals[1], starts_on=VISITS[1][1])
    held = replace(
        base.goals[0],
        lifecycle_status="on-hold",
        lifecycle_history=((VISITS[0][1], "active"), (VISITS[2][1], "on-hold")),
    )
    full = replace(base, goals=(held, later))
    on_evaluation = as_of(full, day=VISITS[0][1])
    assert [g.goal_id for g in on_evaluation.goals] == [held.goal_id]
    assert on_evaluation.goals[0].lifecycle_status == "active"
    assert as_of(full, day=VISITS[2][1]).goals[0].lifecycle_status == "on-hold"
