"""Given events, when a manual measurement or a questionnaire, then events or an error."""

from __future__ import annotations

import pytest

from clinic.domain import commands as c
from clinic.domain import events as ev
from clinic.domain.errors import InvalidState, InvalidValue
from tests.unit.domain.test_decide import GOAL, PID, TODAY, VISIT, decide, goal, with_visit


def test_goniometer_knee_range_is_recorded_with_its_method_and_side() -> None:
    [event] = decide(
        with_visit(),
        c.RecordMeasurement(
            visit_id=VISIT, metric="knee_flexion_rom", value=105, unit="deg", side="left", method="goniometer"
        ),
    )
    assert isinstance(event, ev.MeasurementRecorded)
    assert (event.method, event.side, event.value, event.measured_on) == ("goniometer", "left", 105.0, TODAY)


@pytest.mark.parametrize(
    ("metric", "unit", "method", "code"),
    [
        ("timed_up_and_go", "s", "goniometer", "method_mismatch"),
        ("knee_flexion_rom", "deg", "stopwatch", "method_mismatch"),
        ("reba_score", "score", "patient-reported", "method_mismatch"),
        ("lefs_score", "score", "clinician", "method_mismatch"),
        ("timed_up_and_go", "s", "sundial", "invalid_method"),
        ("timed_up_and_go", "s", "questionnaire", "invalid_method"),
    ],
)
def test_a_method_must_measure_the_metric(metric: str, unit: str, method: str, code: str) -> None:
    with pytest.raises(InvalidValue) as err:
        decide(
            with_visit(),
            c.RecordMeasurement(visit_id=VISIT, metric=metric, value=10, unit=unit, method=method),
        )
    assert err.value.code == code


def test_stopwatch_tug_meeting_a_lower_is_better_goal_is_achieved() -> None:
    history = [*with_visit(), goal(metric="timed_up_and_go", target=12, comparator="<=")]
    events = decide(
        history,
        c.RecordMeasurement(
            visit_id=VISIT, metric="timed_up_and_go", value=11.2, unit="s", method="stopwatch"
        ),
    )
    assert [type(e) for e in events] == [ev.MeasurementRecorded, ev.GoalAchieved]
    assert events[1].goal_id == GOAL  # type: ignore[attr-defined]


def test_lefs_is_scored_and_recorded_with_its_answers() -> None:
    answers = tuple([3] * 10 + [2] * 10)
    [event] = decide(with_visit(), c.ScoreQuestionnaire(visit_id=VISIT, instrument="lefs", responses=answers))
    assert isinstance(event, ev.MeasurementRecorded)
    assert (event.metric, event.value, event.unit, event.method) == (
        "lefs_score",
        50.0,
        "score",
        "questionnaire",
    )
    assert (event.instrument, event.responses) == ("lefs", answers)


def test_odi_with_one_missed_section_feeds_a_goal() -> None:
    odi_goal = ev.GoalSet(
        patient_id=PID, goal_id=GOAL, metric="odi_score", description="ODI <= 40%", unit="%", baseline=50,
        baseline_visit_id=None, target=40, comparator="<=", due_date=TODAY, lifecycle_status="active",
    )  # fmt: skip
    events = decide(
        [*with_visit(), odi_goal],
        c.ScoreQuestionnaire(visit_id=VISIT, instrument="odi", responses=(2, 2, 2, 2, 2, 2, 2, 1, 1, None)),
    )
    assert events[0].value == 35.6  # type: ignore[attr-defined]
    assert isinstance(events[1], ev.GoalAchieved)


def test_quickdash_with_two_items_blank_is_refused() -> None:
    with pytest.raises(InvalidValue, match="at most 1 may be left blank"):
        decide(
            with_visit(),
            c.ScoreQuestionnaire(visit_id=VISIT, instrument="quickdash", responses=(2,) * 9 + (None, None)),
        )


def test_no_questionnaire_on_a_signed_visit() -> None:
    with pytest.raises(InvalidState) as err:
        decide(
            with_visit(signed=True), c.ScoreQuestionnaire(visit_id=VISIT, instrument="nprs", responses=(4,))
        )
    assert err.value.code == "visit_signed"


def test_stored_measurement_without_answers_still_reads() -> None:
    """A MeasurementRecorded stored before questionnaires existed has no instrument or answers."""
    data = {
        "patient_id": str(PID), "visit_id": str(VISIT), "measurement_id": str(GOAL), "metric": "cadence",
        "value": 100, "unit": "steps/min", "measured_on": TODAY.isoformat(),
    }  # fmt: skip
    event = ev.event_from_data("MeasurementRecorded", data)
    assert isinstance(event, ev.MeasurementRecorded)
    assert (event.instrument, event.responses) == ("", ())
    rich = ev.MeasurementRecorded(
        patient_id=PID, visit_id=VISIT, measurement_id=GOAL, metric="pain_nprs", value=4, unit="score",
        measured_on=TODAY, method="questionnaire", instrument="nprs", responses=(4,),
    )  # fmt: skip
    assert ev.event_from_data("MeasurementRecorded", rich.to_data()) == rich
