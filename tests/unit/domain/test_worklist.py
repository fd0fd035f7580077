"""When an unsigned note is overdue, and when the plan's next visit falls due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from clinic.domain import worklist

VISIT_DAY = date(2026, 11, 20)


def test_a_note_recorded_on_its_day_ages_from_when_it_was_recorded() -> None:
    recorded = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    hours = worklist.unsigned_hours(
        visit_date=VISIT_DAY, recorded_at=recorded, now=recorded + timedelta(hours=23), tz=UTC
    )
    assert hours == 23 and not worklist.overdue(hours)
    later = worklist.unsigned_hours(
        visit_date=VISIT_DAY, recorded_at=recorded, now=recorded + timedelta(hours=25), tz=UTC
    )
    assert worklist.overdue(later) and worklist.age_text(later) == "25 h"


def test_a_back_dated_note_ages_from_the_end_of_its_date_of_service() -> None:
    typed_days_later = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    hours = worklist.unsigned_hours(
        visit_date=VISIT_DAY, recorded_at=typed_days_later, now=typed_days_later, tz=UTC
    )
    assert hours == 3 * 24 + 9 and worklist.overdue(hours)
    assert worklist.age_text(hours) == "3 days"


def test_a_note_is_never_younger_than_zero() -> None:
    recorded = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    assert worklist.unsigned_hours(visit_date=VISIT_DAY, recorded_at=recorded, now=recorded, tz=UTC) == 0
    assert worklist.age_text(0.5) == "30 min"


def test_next_visit_follows_the_plans_frequency() -> None:
    assert worklist.next_visit_due(last_visit=VISIT_DAY, plan_start=None, visits_per_week=3) == date(
        2026, 11, 22
    )
    assert worklist.next_visit_due(last_visit=VISIT_DAY, plan_start=None, visits_per_week=2) == date(
        2026, 11, 23
    )
    assert worklist.next_visit_due(last_visit=VISIT_DAY, plan_start=None, visits_per_week=1) == date(
        2026, 11, 27
    )
    assert worklist.next_visit_due(last_visit=VISIT_DAY, plan_start=None, visits_per_week=7) == date(
        2026, 11, 21
    )
    start = date(2026, 12, 1)
    assert worklist.next_visit_due(last_visit=None, plan_start=start, visits_per_week=2) == start
    assert worklist.next_visit_due(last_visit=VISIT_DAY, plan_start=start, visits_per_week=None) is None
