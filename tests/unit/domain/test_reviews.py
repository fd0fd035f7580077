"""Clinician review of an analysis's preliminary values: given events, when a review, then events."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4, uuid5

import pytest

from clinic.domain import commands as c
from clinic.domain import events as ev
from clinic.domain.errors import InvalidState, InvalidValue, NotFound
from clinic.domain.patients import fold
from tests.unit.domain.test_analyses import complete, requested
from tests.unit.domain.test_decide import GOAL, PID, VISIT, decide, goal, with_visit

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
VALUES = (
    ev.MetricValue(
        metric="gait_speed", value=1.1, unit="m/s", quality="good", view="sagittal", method="hip travel"
    ),
    ev.MetricValue(
        metric="knee_flexion_rom", value=62.0, unit="deg", side="left", quality="fair", view="sagittal"
    ),
    ev.MetricValue(metric="cadence", value=900.0, unit="steps/min", quality="poor", view="sagittal"),
    ev.MetricValue(metric="stance_time_left", value=0.62, unit="s"),
)


def completed_history(*, goal_target: float = 1.0) -> tuple[list[ev.DomainEvent], ev.AnalysisRequested]:
    req = requested()
    history = [*with_visit(), goal(target=goal_target), req]
    history += decide(history, complete(req.analysis_id, *VALUES))
    return history, req


def review(analysis_id, index: int, decision: str = "accept", **changes: object) -> c.ReviewAnalysisValue:  # type: ignore[no-untyped-def]
    return c.ReviewAnalysisValue(
        analysis_id=analysis_id, index=index, decision=decision, reviewer_id=7, reviewer_name="Tess Tester",
        reviewer_credentials="PT, DPT", now=NOW, **changes,  # type: ignore[arg-type]
    )  # fmt: skip


def test_accepting_records_the_machine_value_with_its_grade_and_meets_the_goal() -> None:
    history, req = completed_history()
    reviewed, measured, achieved = decide(history, review(req.analysis_id, 0))
    assert isinstance(reviewed, ev.AnalysisValueReviewed)
    assert (reviewed.decision, reviewed.value, reviewed.machine_value) == ("accepted", 1.1, 1.1)
    assert (reviewed.reviewer_id, reviewed.reviewer_name, reviewed.reviewed_at) == (7, "Tess Tester", NOW)
    assert isinstance(measured, ev.MeasurementRecorded)
    assert (measured.metric, measured.value, measured.method, measured.analysis_id) == (
        "gait_speed", 1.1, "video", req.analysis_id,
    )  # fmt: skip
    assert (measured.quality, measured.view, measured.technique, measured.review) == (
        "good", "sagittal", "hip travel", "accepted",
    )  # fmt: skip
    assert isinstance(achieved, ev.GoalAchieved) and achieved.goal_id == GOAL and achieved.value == 1.1


def test_a_value_below_the_goal_is_recorded_without_achievement() -> None:
    history, req = completed_history(goal_target=1.5)
    events = decide(history, review(req.analysis_id, 0))
    assert [type(e).__name__ for e in events] == ["AnalysisValueReviewed", "MeasurementRecorded"]


def test_editing_records_the_clinicians_value_and_keeps_the_machines() -> None:
    history, req = completed_history(goal_target=1.5)
    reviewed, measured = decide(
        history, review(req.analysis_id, 1, "edit", value=55.0, reason="goniometer 55 deg")
    )
    assert isinstance(reviewed, ev.AnalysisValueReviewed) and isinstance(measured, ev.MeasurementRecorded)
    assert (reviewed.decision, reviewed.machine_value, reviewed.value) == ("edited", 62.0, 55.0)
    assert reviewed.reason == "goniometer 55 deg" and reviewed.side == "left"
    assert (measured.value, measured.side, measured.review) == (55.0, "left", "edited")


def test_rejecting_records_only_the_audit_entry() -> None:
    history, req = completed_history()
    [reviewed] = decide(history, review(req.analysis_id, 0, "reject", reason="walked out of frame"))
    assert isinstance(reviewed, ev.AnalysisValueReviewed)
    assert (reviewed.decision, reviewed.value, reviewed.reason) == ("rejected", None, "walked out of frame")
    # A rejected goal value leaves the goal unmet in the state: a later accepted value can meet it.
    assert not fold([*history, reviewed]).goals[GOAL].achieved


@pytest.mark.parametrize(
    ("index", "decision", "changes", "code"),
    [
        (0, "edit", {"value": 1.0}, "required"),  # an edit needs a reason
        (0, "reject", {}, "required"),  # so does a rejection
        (0, "edit", {"reason": "x"}, "required"),  # an edit needs the value
        (0, "edit", {"value": 9.0, "reason": "x"}, "out_of_range"),  # within the metric's range
        (2, "accept", {}, "out_of_range"),  # 900 steps/min is implausible: it cannot be accepted
        (3, "accept", {}, "not_a_goal_metric"),  # not a catalogue metric: no measurement
        (0, "approve", {}, "invalid_decision"),
    ],
)
def test_invalid_reviews_are_refused(
    index: int, decision: str, changes: dict[str, object], code: str
) -> None:
    history, req = completed_history()
    with pytest.raises(InvalidValue) as err:
        decide(history, review(req.analysis_id, index, decision, **changes))
    assert err.value.code == code


def test_an_implausible_value_may_still_be_rejected_or_edited() -> None:
    history, req = completed_history()
    [rejected] = decide(history, review(req.analysis_id, 2, "reject", reason="counted both people"))
    assert isinstance(rejected, ev.AnalysisValueReviewed) and rejected.machine_value == 900.0
    _, measured = decide(history, review(req.analysis_id, 2, "edit", value=98.0, reason="counted by hand"))
    assert isinstance(measured, ev.MeasurementRecorded) and measured.value == 98.0


def test_a_value_is_reviewed_once() -> None:
    history, req = completed_history()
    history += decide(history, review(req.analysis_id, 0))
    for again in (review(req.analysis_id, 0), review(req.analysis_id, 0, "reject", reason="oops")):
        with pytest.raises(InvalidState) as err:
            decide(history, again)
        assert err.value.code == "already_reviewed"
    # Another value of the same analysis is still open.
    assert len(decide(history, review(req.analysis_id, 1))) == 2


def test_only_a_completed_analysis_has_values_to_review() -> None:
    req = requested()
    pending = [*with_visit(), req]
    with pytest.raises(InvalidState) as err:
        decide(pending, review(req.analysis_id, 0))
    assert err.value.code == "analysis_not_completed"
    failed = ev.AnalysisFailed(patient_id=PID, visit_id=VISIT, analysis_id=req.analysis_id, reason="corrupt")
    with pytest.raises(InvalidState):
        decide([*pending, failed], review(req.analysis_id, 0))
    history, done = completed_history()
    for missing in (review(uuid4(), 0), review(done.analysis_id, len(VALUES))):
        with pytest.raises(NotFound):
            decide(history, missing)


def test_values_stored_before_review_existed_stay_final() -> None:
    """Old streams: AnalysisCompleted followed by the MeasurementRecorded it decided then."""
    history, req = completed_history()
    legacy = ev.MeasurementRecorded(
        patient_id=PID, visit_id=VISIT, measurement_id=uuid5(req.analysis_id, "0:gait_speed:"),
        metric="gait_speed", value=1.1, unit="m/s", measured_on=NOW.date(), method="video",
        analysis_id=req.analysis_id,
    )  # fmt: skip
    state = fold([*history, legacy])
    assert state.analyses[req.analysis_id].reviews == {0: "final"}
    with pytest.raises(InvalidState):
        decide([*history, legacy], review(req.analysis_id, 0))
    assert len(decide([*history, legacy], review(req.analysis_id, 1))) == 2
