"""Goal decisions: setting a measurable goal, moving it through its FHIR lifecycle, and the goal rule
(when a value meets a goal, what its achievement status becomes) in one place."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from uuid import UUID

from clinic.domain import limits
from clinic.domain import vocabulary as vocab
from clinic.domain.commands import ChangeGoalLifecycle, ReviseGoal, SetGoal
from clinic.domain.errors import InvalidState, InvalidValue, NotFound
from clinic.domain.events import DomainEvent, GoalAchieved, GoalLifecycleChanged, GoalRevised, GoalSet
from clinic.domain.patients import GoalState, PatientState, VisitState, require_open

# Lifecycle states a goal may be created in.
INITIAL_LIFECYCLE = frozenset(
    {
        vocab.GoalLifecycle.PROPOSED,
        vocab.GoalLifecycle.PLANNED,
        vocab.GoalLifecycle.ACCEPTED,
        vocab.GoalLifecycle.ACTIVE,
    }
)


def decide_set_goal(command: SetGoal, state: PatientState) -> list[DomainEvent]:
    patient_id = require_open(state)
    if command.goal_id in state.goals:
        raise InvalidState("a goal with this id already exists", code="goal_exists")
    metric = vocab.metric(command.metric)
    target = vocab.check_value_in_unit(metric, value=command.target, unit=command.unit, field="target")
    baseline = None
    if command.baseline is not None:
        baseline = vocab.check_value_in_unit(
            metric, value=command.baseline, unit=command.unit, field="baseline"
        )
    if command.comparator not in set(vocab.Comparator):
        raise InvalidValue(
            "comparator must be one of >=, <=, >, <", code="invalid_comparator", field="comparator"
        )
    if command.lifecycle_status not in INITIAL_LIFECYCLE:
        raise InvalidValue(
            "a new goal is proposed, planned, accepted or active",
            code="invalid_status",
            field="lifecycle_status",
        )
    _check_due_date(command.due_date, state=state, today=command.today)
    written = limits.check_text(
        command.description,
        field="description",
        label="the goal description",
        max_chars=limits.GOAL_DESCRIPTION_CHARS,
    )
    if command.baseline_visit_id is not None and command.baseline_visit_id not in state.visits:
        raise NotFound("the baseline visit is not one of this patient's visits", field="baseline_visit_id")
    if baseline is not None and vocab.Comparator(command.comparator).satisfied(value=baseline, target=target):
        raise InvalidValue("the baseline already meets the target", code="target_already_met", field="target")
    description = written or (
        default_description(
            metric.code, comparator=command.comparator, target=target, due_date=command.due_date
        )
    )
    return [
        GoalSet(
            patient_id=patient_id,
            goal_id=command.goal_id,
            metric=metric.code,
            description=description,
            unit=metric.unit,
            baseline=baseline,
            baseline_visit_id=command.baseline_visit_id,
            target=target,
            comparator=command.comparator,
            due_date=command.due_date,
            lifecycle_status=command.lifecycle_status,
        )
    ]


def default_description(metric: str, *, comparator: str, target: float, due_date: date) -> str:
    """The goal's wording when the therapist writes none: "Gait speed >= 1.1 m/s by 2026-12-11"."""
    m = vocab.metric(metric)
    return f"{m.label} {comparator} {target:g} {m.unit} by {due_date.isoformat()}"


def due_date_horizon(state: PatientState, *, today: date) -> tuple[date, str]:
    """The latest due date a goal may have on ``today``, and the rule in a few words.

    Goals belong to the plan of care: under a plan in force (its certified end not yet passed)
    a goal is due by the plan's end, and a longer goal waits for the recertification. With no
    plan in force, at most :data:`limits.MAX_GOAL_HORIZON_DAYS` days ahead.
    """
    if state.certification_end is not None and state.certification_end >= today:
        return state.certification_end, "a goal is due within the plan of care, which ends then"
    latest = today + timedelta(days=limits.MAX_GOAL_HORIZON_DAYS)
    return latest, f"a goal is due at most {limits.MAX_GOAL_HORIZON_DAYS} days ahead without a plan of care"


def _check_due_date(due_date: date, *, state: PatientState, today: date) -> None:
    if due_date < today:
        raise InvalidValue("the due date has already passed", code="invalid_date", field="due_date")
    latest, rule = due_date_horizon(state, today=today)
    limits.check_date(
        due_date, field="due_date", label="the due date", earliest=today, latest=latest, rule=rule
    )


def _open_goal(state: PatientState, goal_id: UUID) -> GoalState:
    goal = state.goals.get(goal_id)
    if goal is None:
        raise NotFound("no such goal for this patient", field="goal_id")
    if goal.lifecycle_status in vocab.TERMINAL_LIFECYCLE:
        raise InvalidState(
            f"the goal is {goal.lifecycle_status} and can no longer change", code="goal_closed"
        )
    return goal


def decide_revise_goal(command: ReviseGoal, state: PatientState) -> list[DomainEvent]:
    """A new target, comparator, due date or wording for an open goal (metric and baseline stay)."""
    patient_id = require_open(state)
    goal = _open_goal(state, command.goal_id)
    metric = vocab.metric(goal.metric)
    target = vocab.check_value_in_unit(metric, value=command.target, unit=metric.unit, field="target")
    if command.comparator not in set(vocab.Comparator):
        raise InvalidValue(
            "comparator must be one of >=, <=, >, <", code="invalid_comparator", field="comparator"
        )
    _check_due_date(command.due_date, state=state, today=command.today)
    description = limits.check_text(
        command.description,
        field="description",
        label="the goal description",
        max_chars=limits.GOAL_DESCRIPTION_CHARS,
    ) or default_description(
        metric.code, comparator=command.comparator, target=target, due_date=command.due_date
    )
    reason = limits.check_text(
        command.reason, field="reason", label="the reason", max_chars=limits.REASON_CHARS
    )
    if (
        target == goal.target
        and command.comparator == goal.comparator
        and command.due_date == goal.due_date
        and description == goal.description
    ):
        raise InvalidState("nothing to change: the goal already reads so", code="no_change")
    return [
        GoalRevised(
            patient_id=patient_id,
            goal_id=goal.goal_id,
            description=description,
            target=target,
            comparator=command.comparator,
            due_date=command.due_date,
            reason=reason,
        )
    ]


def decide_change_lifecycle(command: ChangeGoalLifecycle, state: PatientState) -> list[DomainEvent]:
    """A goal's FHIR lifecycle step. Taking it off the plan (cancelled, entered-in-error) needs a
    reason, which the record keeps; a goal in a terminal state changes no more."""
    patient_id = require_open(state)
    if command.lifecycle_status not in set(vocab.GoalLifecycle):
        raise InvalidValue(
            "unknown lifecycle status",
            code="invalid_status",
            field="lifecycle_status",
            allowed=[s.value for s in vocab.GoalLifecycle],
        )
    goal = _open_goal(state, command.goal_id)
    if command.lifecycle_status == goal.lifecycle_status:
        raise InvalidState(f"the goal is already {goal.lifecycle_status}", code="no_change")
    reason = limits.check_text(
        command.reason, field="reason", label="the reason", max_chars=limits.REASON_CHARS
    )
    if command.lifecycle_status in vocab.DISCONTINUED_LIFECYCLE and not reason:
        raise InvalidValue(f"say why the goal is {command.lifecycle_status}", code="required", field="reason")
    return [
        GoalLifecycleChanged(
            patient_id=patient_id,
            goal_id=goal.goal_id,
            lifecycle_status=command.lifecycle_status,
            reason=reason,
        )
    ]


# -- the goal rule: one implementation for measurements, analyses and the goals read model --------


def goal_met(goal: GoalState, *, value: float) -> bool:
    """Whether ``value`` meets the goal: its comparator holds against its target (">= 90 %")."""
    return vocab.Comparator(goal.comparator).satisfied(value=value, target=goal.target)


def goals_achieved(
    state: PatientState,
    *,
    metric: str,
    value: float,
    visit: VisitState,
    decided: Iterable[DomainEvent] = (),
) -> list[GoalAchieved]:
    """``GoalAchieved`` for each goal on ``metric`` that ``value``, measured at ``visit``, meets for
    the first time: not achieved before (in ``state`` or among the events ``decided`` with it), and
    not in a terminal lifecycle state (completed, cancelled, ...)."""
    if state.patient_id is None:
        return []
    already = {e.goal_id for e in decided if isinstance(e, GoalAchieved)}
    return [
        GoalAchieved(
            patient_id=state.patient_id,
            goal_id=goal.goal_id,
            value=value,
            visit_id=visit.visit_id,
            achieved_on=visit.visit_date,
        )
        for goal in state.goals.values()
        if goal.metric == metric
        and not goal.achieved
        and goal.goal_id not in already
        and goal.lifecycle_status not in vocab.TERMINAL_LIFECYCLE
        and goal_met(goal, value=value)
    ]


def achievement_after(
    goal: GoalState, *, status: str, baseline: float | None, previous: float | None, value: float
) -> vocab.GoalAchievement | None:
    """The FHIR achievement status of a goal after a new ``value`` (its status was ``status``, its
    baseline ``baseline``, its last value ``previous``), for the goals read model.

    None when the value meets the goal for the first time: that is the ``GoalAchieved`` event the
    domain decided with the measurement (:func:`goals_achieved`), and the read model takes
    "achieved" from it. Met again after being achieved: "sustaining"; met again after falling back
    ("not-achieved"): "achieved". Not met: "not-achieved" after an achievement, else "improving" or
    "worsening" by whether the value moved toward the target since the last value (the direction
    is the target's side: down for "Timed Up and Go <= 11 s"). A value unchanged since the last
    one reads by the progress since the baseline: a plateau after gains is still improving (knee
    flexion 78 -> 109 -> 109 deg toward 115), and only a value back at the baseline is "no-change".
    "in-progress" until there is a value to compare with.
    """
    achieved = (vocab.GoalAchievement.ACHIEVED, vocab.GoalAchievement.SUSTAINING)
    if goal_met(goal, value=value):
        if status in achieved:
            return vocab.GoalAchievement.SUSTAINING
        if status == vocab.GoalAchievement.NOT_ACHIEVED:
            return vocab.GoalAchievement.ACHIEVED
        return None
    if status in achieved:
        return vocab.GoalAchievement.NOT_ACHIEVED
    for reference in (previous, baseline):
        if reference is not None and value != reference:
            toward = (value > reference) == (goal.target > reference)
            return vocab.GoalAchievement.IMPROVING if toward else vocab.GoalAchievement.WORSENING
    if previous is None and baseline is None:
        return vocab.GoalAchievement.IN_PROGRESS
    return vocab.GoalAchievement.NO_CHANGE
