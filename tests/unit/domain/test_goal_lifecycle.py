"""Goals through their FHIR lifecycle, their due-date horizon, and the discharge summary.
Given events, when a command, then events or a domain error. No database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from uuid import UUID

import pytest

from clinic.domain import commands as c
from clinic.domain import events as ev
from clinic.domain import limits
from clinic.domain.errors import DomainError, InvalidState, InvalidValue
from clinic.domain.goals import achievement_after
from clinic.domain.patients import GoalState
from clinic.domain.vocabulary import Change, change_direction
from tests.unit.domain.test_decide import GOAL, PID, TODAY, decide, goal, registered

OTHER_GOAL = UUID("00000000-0000-0000-0000-0000000000c2")


def refused(history: list[ev.DomainEvent], command: c.Command) -> DomainError:
    with pytest.raises(DomainError) as err:
        decide(history, command)
    return err.value


def plan(*, end: date) -> ev.PlanOfCareEstablished:
    return ev.PlanOfCareEstablished(
        patient_id=PID,
        plan_id=UUID(int=9),
        certification_start=TODAY - timedelta(days=10),
        certification_end=end,
        frequency_per_week=2,
        duration_weeks=8,
    )


def set_goal(due_date: date) -> c.SetGoal:
    return c.SetGoal(
        metric="gait_speed",
        description="",
        unit="m/s",
        target=1.1,
        comparator=">=",
        due_date=due_date,
        today=TODAY,
    )


def revise(**changes: object) -> c.ReviseGoal:
    fields: dict[str, object] = dict(
        goal_id=GOAL,
        description="d",
        target=1.2,
        comparator=">=",
        due_date=TODAY + timedelta(30),
        today=TODAY,
    )
    fields.update(changes)
    return c.ReviseGoal(**fields)  # type: ignore[arg-type]


# --- discontinuing: cancelled and entered-in-error, each with its reason --------------------


@pytest.mark.parametrize("status", ["cancelled", "entered-in-error"])
def test_discontinuing_a_goal_records_its_reason(status: str) -> None:
    [event] = decide(
        [registered(), goal()], c.ChangeGoalLifecycle(goal_id=GOAL, lifecycle_status=status, reason=" typo ")
    )
    assert event == ev.GoalLifecycleChanged(
        patient_id=PID, goal_id=GOAL, lifecycle_status=status, reason="typo"
    )


@pytest.mark.parametrize("status", ["cancelled", "entered-in-error"])
def test_discontinuing_a_goal_needs_a_reason(status: str) -> None:
    error = refused(
        [registered(), goal()], c.ChangeGoalLifecycle(goal_id=GOAL, lifecycle_status=status, reason=" ")
    )
    assert isinstance(error, InvalidValue) and error.code == "required" and error.details["field"] == "reason"


def test_a_goal_entered_in_error_changes_no_more_and_is_not_achieved() -> None:
    history = [
        registered(),
        goal(),
        ev.GoalLifecycleChanged(
            patient_id=PID, goal_id=GOAL, lifecycle_status="entered-in-error", reason="wrong patient"
        ),
    ]
    assert refused(history, revise()).code == "goal_closed"
    assert (
        refused(history, c.ChangeGoalLifecycle(goal_id=GOAL, lifecycle_status="active")).code == "goal_closed"
    )


# --- revising ------------------------------------------------------------------------------


def test_revising_a_goal_changes_target_due_date_and_wording() -> None:
    [event] = decide([registered(), goal()], revise(reason="progressing faster than expected"))
    assert event == ev.GoalRevised(
        patient_id=PID,
        goal_id=GOAL,
        description="d",
        target=1.2,
        comparator=">=",
        due_date=TODAY + timedelta(30),
        reason="progressing faster than expected",
    )


def test_a_revised_target_is_what_later_measurements_are_judged_against() -> None:
    history = [registered(), goal(target=1.0), *decide([registered(), goal(target=1.0)], revise(target=1.3))]
    from clinic.domain.patients import fold

    assert fold(history).goals[GOAL].target == 1.3


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"target": 99.0}, "out_of_range"),
        ({"comparator": "=="}, "invalid_comparator"),
        ({"due_date": TODAY - timedelta(1)}, "invalid_date"),
        ({"due_date": date(2099, 12, 31)}, "invalid_date"),
        ({"target": 1.0, "description": "d", "due_date": TODAY + timedelta(30)}, "no_change"),
    ],
)
def test_revision_refuses_bad_values(changes: dict[str, object], code: str) -> None:
    assert refused([registered(), goal()], revise(**changes)).code == code


# --- the due-date horizon --------------------------------------------------------------------


def test_goal_due_2099_is_refused_without_a_plan_but_a_year_is_fine() -> None:
    decide([registered()], set_goal(TODAY + timedelta(days=365)))
    for due in (TODAY + timedelta(days=366), date(2099, 12, 31)):
        error = refused([registered()], set_goal(due))
        assert error.code == "invalid_date" and error.details["field"] == "due_date"
        assert "365 days" in error.message


def test_goal_under_a_plan_is_due_by_the_plan_end() -> None:
    end = TODAY + timedelta(days=60)
    history = [registered(), plan(end=end)]
    decide(history, set_goal(end))
    error = refused(history, set_goal(end + timedelta(days=1)))
    assert error.code == "invalid_date" and error.details["latest"] == end.isoformat()
    assert "plan of care" in error.message
    # and revisions keep to the same horizon
    assert refused([*history, goal()], revise(due_date=end + timedelta(days=1))).code == "invalid_date"


def test_an_expired_plan_does_not_bind_new_goals() -> None:
    history = [registered(), plan(end=TODAY - timedelta(days=1))]
    decide(history, set_goal(TODAY + timedelta(days=limits.MAX_GOAL_HORIZON_DAYS)))


# --- discharge with its summary ------------------------------------------------------------


def discharge(*outcomes: ev.GoalOutcome, **changes: object) -> c.DischargePatient:
    fields: dict[str, object] = dict(
        discharged_on=TODAY,
        reason="Goals met",
        today=TODAY,
        goal_outcomes=outcomes,
        recommendations="Walk daily",
        home_programme="Sit-to-stand 3x10",
    )
    fields.update(changes)
    return c.DischargePatient(**fields)  # type: ignore[arg-type]


def two_goals() -> list[ev.DomainEvent]:
    return [registered(), goal(), replace(goal(), goal_id=OTHER_GOAL)]


def test_discharge_summary_records_each_open_goal_status() -> None:
    outcomes = (
        ev.GoalOutcome(goal_id=GOAL, achievement_status="achieved"),
        ev.GoalOutcome(goal_id=OTHER_GOAL, achievement_status="not-achieved", comment=" 0.9 m/s "),
    )
    [event] = decide(two_goals(), discharge(*outcomes))
    assert event == ev.PatientDischarged(
        patient_id=PID,
        discharged_on=TODAY,
        reason="Goals met",
        goal_outcomes=(outcomes[0], replace(outcomes[1], comment="0.9 m/s")),
        recommendations="Walk daily",
        home_programme="Sit-to-stand 3x10",
    )


def test_discharge_summary_must_cover_every_open_goal_and_only_them() -> None:
    achieved = ev.GoalOutcome(goal_id=GOAL, achievement_status="achieved")
    error = refused(two_goals(), discharge(achieved))
    assert error.code == "required" and error.details["goal_ids"] == [str(OTHER_GOAL)]
    assert refused(two_goals(), discharge(achieved, achieved)).code == "duplicate"
    bad = ev.GoalOutcome(goal_id=OTHER_GOAL, achievement_status="improving")
    assert refused(two_goals(), discharge(achieved, bad)).code == "invalid_status"
    cancelled = [
        *two_goals(),
        ev.GoalLifecycleChanged(patient_id=PID, goal_id=OTHER_GOAL, lifecycle_status="cancelled", reason="r"),
    ]
    other = ev.GoalOutcome(goal_id=OTHER_GOAL, achievement_status="achieved")
    assert refused(cancelled, discharge(achieved, other)).code == "goal_closed"
    [event] = decide(cancelled, discharge(achieved))  # the cancelled goal needs no status
    assert isinstance(event, ev.PatientDischarged)


def test_discharge_text_is_bounded() -> None:
    long = "x" * (limits.DISCHARGE_TEXT_CHARS + 1)
    assert refused([registered()], discharge(home_programme=long)).code == "too_long"


def test_a_discharge_stored_before_the_summary_reads_with_none() -> None:
    old = {"patient_id": str(PID), "discharged_on": "2026-01-02", "reason": "met"}
    event = ev.event_from_data("PatientDischarged", old)
    assert isinstance(event, ev.PatientDischarged)
    assert event.goal_outcomes == () and event.recommendations == "" and event.home_programme == ""
    with pytest.raises(InvalidState):
        decide([registered(), event], discharge())


# --- direction: the metric vocabulary says it once --------------------------------------------


def rom_goal() -> GoalState:
    return GoalState(
        goal_id=GOAL, metric="knee_flexion_rom", target=115, comparator=">=", lifecycle_status="active"
    )


def test_knee_flexion_78_to_109_is_improving_even_after_a_plateau() -> None:
    status = achievement_after(rom_goal(), status="improving", baseline=78, previous=109.43, value=109.43)
    assert status == "improving"


def test_faster_timed_up_and_go_is_improving_and_slower_worsening() -> None:
    tug = GoalState(
        goal_id=GOAL, metric="timed_up_and_go", target=11, comparator="<=", lifecycle_status="active"
    )
    assert (
        achievement_after(tug, status="in-progress", baseline=16.5, previous=12.0, value=11.6) == "improving"
    )
    assert achievement_after(tug, status="improving", baseline=16.5, previous=12.0, value=17.0) == "worsening"
    assert achievement_after(tug, status="improving", baseline=16.5, previous=16.5, value=16.5) == "no-change"


@pytest.mark.parametrize(
    ("metric", "change", "reads"),
    [
        ("timed_up_and_go", -0.3, Change.BETTER),
        ("timed_up_and_go", 0.3, Change.WORSE),
        ("reba_score", -2, Change.BETTER),
        ("pain_nprs", 1, Change.WORSE),
        ("knee_flexion_rom", 31, Change.BETTER),
        ("gait_speed", -0.1, Change.WORSE),
        ("gait_speed", 0.0, Change.SAME),
        ("squat_complete_reps", 1, Change.UNKNOWN),
    ],
)
def test_change_direction_follows_the_metric(metric: str, change: float, reads: Change) -> None:
    assert change_direction(metric, change=change) == reads
