"""A clinician's daily worklist rules: when an unsigned note is overdue, and when the next visit
of a plan of care falls due.

Unsigned notes: practices hold clinicians to signing the day's notes within 24 hours of the visit
(timely documentation; a late note is also a payer's audit finding). A visit has a date but no
time, so its note's clock starts when the visit was recorded, or at the end of its date of service
if it was recorded later (a back-dated entry is late from the day of the visit, not from the day
it was typed).

Next visit: a plan of care of ``n`` visits a week spaces them ``7 // n`` days apart (3x/week: every
2 days; 2x: every 3; 1x: every 7), counted from the last visit, or from the certification start
before the first one.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

UNSIGNED_NOTE_FLAG_HOURS = 24


def unsigned_since(*, visit_date: date, recorded_at: datetime | None, tz: tzinfo) -> datetime:
    """When an unsigned note's clock started (see the module docstring), as an aware datetime."""
    end_of_day = datetime.combine(visit_date + timedelta(days=1), time.min, tzinfo=tz)
    if recorded_at is None:  # visits recorded before this was kept: the end of their date
        return end_of_day
    return min(recorded_at, end_of_day)


def unsigned_hours(*, visit_date: date, recorded_at: datetime | None, now: datetime, tz: tzinfo) -> float:
    """How long the note has waited for its signature, in hours (never negative)."""
    since = unsigned_since(visit_date=visit_date, recorded_at=recorded_at, tz=tz)
    return max(0.0, (now - since).total_seconds() / 3600.0)


def overdue(hours: float) -> bool:
    return hours > UNSIGNED_NOTE_FLAG_HOURS


def age_text(hours: float) -> str:
    """ "40 min", "5 h", "3 days": the age of an unsigned note as a worklist prints it."""
    if hours < 1:
        return f"{int(hours * 60)} min"
    if hours < 48:
        return f"{int(hours)} h"
    return f"{int(hours // 24)} days"


def next_visit_due(
    *, last_visit: date | None, plan_start: date | None, visits_per_week: int | None
) -> date | None:
    """The date the next visit falls due under the plan of care, or None without a plan."""
    if not visits_per_week or visits_per_week <= 0:
        return None
    if last_visit is None:
        return plan_start
    return last_visit + timedelta(days=max(1, 7 // visits_per_week))
