"""Billing elements of a visit: procedure codes, treatment minutes and Medicare's 8-minute rule.

Codes are CPT codes with the practice's own short labels: the AMA's descriptors are licensed text
and are not kept here. A *timed* code is billed per 15 minutes of one-on-one treatment; an
*untimed* (service-based) code is billed once per visit whatever its minutes.

The 8-minute rule (CMS, Medicare Claims Processing Manual, Pub. 100-04, Chapter 5, section 20.2):

- Units come from the *total* timed minutes of the visit, not from each code alone: 8-22 minutes
  give 1 unit, 23-37 give 2, 38-52 give 3, and so on (a unit for each 15 minutes, plus one more when
  the remainder is 8 minutes or more). Fewer than 8 timed minutes give no timed unit.
- Allocation across codes: each code first gets one unit for each full 15 minutes of its own
  minutes; the units still to bill go to the codes with the most remaining minutes (ties: the code
  entered first). So 33 minutes of 97110 and 7 of 97140 (40 minutes, 3 units) bill two units of
  97110 and one of 97140: the 7 minutes of manual therapy exceed the 3 left over of exercise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from clinic.domain.errors import InvalidValue

UNIT_MINUTES = 15  # a timed unit is 15 minutes of treatment
MINIMUM_MINUTES = 8  # the de minimis threshold: half a unit, rounded up
MAX_LINE_MINUTES = 240  # longer than any outpatient visit: a typing error


@dataclass(frozen=True)
class ProcedureCode:
    code: str
    label: str  # the practice's own short label, not the AMA descriptor
    timed: bool


PROCEDURES: dict[str, ProcedureCode] = {
    p.code: p
    for p in (
        ProcedureCode("97161", "PT evaluation, low complexity", timed=False),
        ProcedureCode("97162", "PT evaluation, moderate complexity", timed=False),
        ProcedureCode("97163", "PT evaluation, high complexity", timed=False),
        ProcedureCode("97164", "PT re-evaluation", timed=False),
        ProcedureCode("97010", "Hot or cold packs", timed=False),
        ProcedureCode("97014", "Electrical stimulation, unattended", timed=False),
        ProcedureCode("97150", "Group therapy", timed=False),
        ProcedureCode("97035", "Ultrasound", timed=True),
        ProcedureCode("97110", "Therapeutic exercise", timed=True),
        ProcedureCode("97112", "Neuromuscular re-education", timed=True),
        ProcedureCode("97116", "Gait training", timed=True),
        ProcedureCode("97140", "Manual therapy", timed=True),
        ProcedureCode("97530", "Therapeutic activities", timed=True),
        ProcedureCode("97535", "Self-care / home management training", timed=True),
        ProcedureCode("97750", "Physical performance test", timed=True),
    )
}


@dataclass(frozen=True, kw_only=True)
class ProcedureLine:
    """One procedure delivered at a visit and its treatment minutes."""

    code: str
    minutes: int


@dataclass(frozen=True, kw_only=True)
class BilledLine:
    code: str
    label: str
    timed: bool
    minutes: int
    units: int


@dataclass(frozen=True, kw_only=True)
class Billing:
    """The billed lines of a visit (in entry order) and the totals the 8-minute rule used."""

    lines: tuple[BilledLine, ...]
    timed_minutes: int
    timed_units: int
    untimed_units: int

    @property
    def total_minutes(self) -> int:
        return sum(line.minutes for line in self.lines)


def procedure(code: str) -> ProcedureCode:
    known = PROCEDURES.get(code.strip())
    if known is None:
        raise InvalidValue(
            f"unknown procedure code {code!r}",
            code="unknown_procedure",
            field="code",
            allowed=sorted(PROCEDURES),
        )
    return known


def check_lines(lines: Sequence[ProcedureLine]) -> tuple[ProcedureLine, ...]:
    """The lines with known codes, whole minutes from 1 to 240, each code once."""
    seen: set[str] = set()
    checked = []
    for line in lines:
        known = procedure(line.code)
        if known.code in seen:
            raise InvalidValue(
                f"{known.code} is entered twice: add its minutes into one line",
                code="duplicate_procedure",
                field="procedures",
            )
        if isinstance(line.minutes, bool) or not isinstance(line.minutes, int):
            raise InvalidValue("minutes are a whole number", code="invalid_minutes", field="minutes")
        if not 1 <= line.minutes <= MAX_LINE_MINUTES:
            raise InvalidValue(
                f"minutes of {known.code} must be from 1 to {MAX_LINE_MINUTES}",
                code="invalid_minutes",
                field="minutes",
            )
        seen.add(known.code)
        checked.append(ProcedureLine(code=known.code, minutes=line.minutes))
    return tuple(checked)


def timed_units(*, total_timed_minutes: int) -> int:
    """Billable units for a visit's total timed minutes (8-22 -> 1, 23-37 -> 2, 38-52 -> 3, ...)."""
    if total_timed_minutes < 0:
        raise ValueError("minutes cannot be negative")
    full, remainder = divmod(total_timed_minutes, UNIT_MINUTES)
    return full + (1 if remainder >= MINIMUM_MINUTES else 0)


def bill(lines: Sequence[ProcedureLine]) -> Billing:
    """Units per line under the 8-minute rule, with CMS's allocation across timed codes."""
    checked = check_lines(lines)
    timed = [line for line in checked if PROCEDURES[line.code].timed]
    total = sum(line.minutes for line in timed)
    units = {line.code: line.minutes // UNIT_MINUTES for line in timed}
    left = timed_units(total_timed_minutes=total) - sum(units.values())
    # Most remaining minutes first; sorted() is stable, so ties keep the order of entry.
    by_remainder = sorted(timed, key=lambda line: -(line.minutes % UNIT_MINUTES))
    for line in by_remainder[:left]:
        units[line.code] += 1
    billed = tuple(
        BilledLine(
            code=line.code,
            label=PROCEDURES[line.code].label,
            timed=PROCEDURES[line.code].timed,
            minutes=line.minutes,
            units=units[line.code] if PROCEDURES[line.code].timed else 1,
        )
        for line in checked
    )
    return Billing(
        lines=billed,
        timed_minutes=total,
        timed_units=sum(units.values()),
        untimed_units=sum(1 for line in billed if not line.timed),
    )
