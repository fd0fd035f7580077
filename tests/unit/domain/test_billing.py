"""The 8-minute rule against the worked examples of the Medicare Claims Processing Manual
(Pub. 100-04, Chapter 5, section 20.2)."""

from __future__ import annotations

import pytest

from clinic.domain import commands as c
from clinic.domain import events as ev
from clinic.domain.billing import ProcedureLine, bill, timed_units
from clinic.domain.decide import decide_patient
from clinic.domain.errors import InvalidState, InvalidValue
from clinic.domain.patients import fold
from tests.unit.domain.test_decide import CLINICIAN, PID, VISIT, with_visit


def units(**minutes: int) -> dict[str, int]:
    billing = bill([ProcedureLine(code=code.lstrip("c"), minutes=m) for code, m in minutes.items()])
    return {line.code: line.units for line in billing.lines}


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3), (52, 3), (53, 4), (67, 4), (68, 5), (82, 5)],
)
def test_units_from_total_timed_minutes_follow_the_cms_table(minutes: int, expected: int) -> None:
    assert timed_units(total_timed_minutes=minutes) == expected


def test_38_minutes_across_two_codes_bill_3_units_two_to_the_longer_code() -> None:
    # 23 minutes of exercise and 15 of manual therapy: one full unit each, and the 8 minutes left
    # of exercise are the largest remainder, so exercise gets the third unit.
    assert units(c97110=23, c97140=15) == {"97110": 2, "97140": 1}


def test_cms_example_33_exercise_and_7_manual_therapy_bill_2_and_1() -> None:
    # 40 timed minutes -> 3 units; the 7 minutes of 97140 outweigh the 3 left over of 97110.
    assert units(c97110=33, c97140=7) == {"97110": 2, "97140": 1}


def test_cms_example_24_neuromuscular_and_23_exercise_bill_2_and_1() -> None:
    # 47 minutes -> 3 units; one full unit each, the third to 97112 (9 remaining minutes over 8).
    assert units(c97112=24, c97110=23) == {"97112": 2, "97110": 1}


def test_cms_example_four_codes_of_49_minutes_bill_3_units() -> None:
    # 18 exercise, 13 manual, 10 gait, 8 ultrasound: 49 minutes -> 3 units: exercise's full unit,
    # then the two largest remainders (13 manual, 10 gait); ultrasound is not billed.
    assert units(c97110=18, c97140=13, c97116=10, c97035=8) == {
        "97110": 1,
        "97140": 1,
        "97116": 1,
        "97035": 0,
    }


def test_cms_example_7_and_7_minutes_bill_one_unit() -> None:
    # 14 minutes -> 1 unit, to one of the two codes (the first entered when they tie).
    assert units(c97110=7, c97140=7) == {"97110": 1, "97140": 0}


def test_untimed_codes_bill_one_unit_and_do_not_count_toward_timed_minutes() -> None:
    billing = bill([ProcedureLine(code="97162", minutes=30), ProcedureLine(code="97110", minutes=20)])
    assert billing.timed_minutes == 20
    assert billing.timed_units == 1
    assert billing.untimed_units == 1
    assert [(line.code, line.units) for line in billing.lines] == [("97162", 1), ("97110", 1)]
    assert billing.total_minutes == 50


def test_fewer_than_8_timed_minutes_bill_no_timed_unit() -> None:
    assert units(c97110=5) == {"97110": 0}


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([ProcedureLine(code="99999", minutes=10)], "unknown_procedure"),
        ([ProcedureLine(code="97110", minutes=0)], "invalid_minutes"),
        ([ProcedureLine(code="97110", minutes=241)], "invalid_minutes"),
        (
            [ProcedureLine(code="97110", minutes=10), ProcedureLine(code="97110", minutes=5)],
            "duplicate_procedure",
        ),
    ],
)
def test_bad_lines_are_refused_with_a_reason(lines: list[ProcedureLine], code: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        bill(lines)
    assert refused.value.code == code


# -- recording procedures on a visit: given events, when a command, then events or an error ------


def record(*lines: tuple[str, int]) -> c.RecordVisitProcedures:
    return c.RecordVisitProcedures(
        visit_id=VISIT,
        procedures=tuple(ev.ProcedureMinutes(code=code, minutes=m) for code, m in lines),
        actor=CLINICIAN,
    )


def test_procedures_of_an_unsigned_visit_are_recorded() -> None:
    events = decide_patient(record(("97110", 23), ("97140", 15)), fold(with_visit()))
    assert events == [
        ev.VisitProceduresRecorded(
            patient_id=PID,
            visit_id=VISIT,
            procedures=(
                ev.ProcedureMinutes(code="97110", minutes=23),
                ev.ProcedureMinutes(code="97140", minutes=15),
            ),
        )
    ]


def test_procedures_of_a_signed_visit_are_refused() -> None:
    with pytest.raises(InvalidState) as refused:
        decide_patient(record(("97110", 23)), fold(with_visit(signed=True)))
    assert refused.value.code == "visit_signed"


def test_an_unknown_code_is_refused_and_nothing_is_decided() -> None:
    with pytest.raises(InvalidValue) as refused:
        decide_patient(record(("97110", 23), ("12345", 10)), fold(with_visit()))
    assert refused.value.code == "unknown_procedure"


def test_recorded_procedures_survive_storage() -> None:
    event = decide_patient(record(("97162", 45)), fold(with_visit()))[0]
    assert ev.event_from_data(event.event_type(), event.to_data()) == event
