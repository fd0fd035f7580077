"""Given events, when a command, then events (or a domain error). No database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from clinic.domain import commands as c
from clinic.domain import events as ev
from clinic.domain.decide import decide_patient
from clinic.domain.errors import DomainError, InvalidState, InvalidValue, NotFound
from clinic.domain.patients import fold
from clinic.domain.roles import Actor
from clinic.domain.visits import ATTESTATION

TODAY = date(2026, 11, 21)
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
PID = UUID("00000000-0000-0000-0000-000000000001")
PRACTICE = UUID("00000000-0000-0000-0000-0000000000aa")
VISIT = UUID("00000000-0000-0000-0000-0000000000b1")
GOAL = UUID("00000000-0000-0000-0000-0000000000c1")
THERAPIST = 7


def registered() -> ev.PatientRegistered:
    return ev.PatientRegistered(
        patient_id=PID,
        practice_id=PRACTICE,
        given_name="Ana",
        family_name="Ruiz",
        date_of_birth=date(1950, 1, 2),
        sex="female",
        contact_sealed="v1:x",
        diagnoses=(ev.Diagnosis(code="M17.11"),),
        referring_physician="Dr A",
        payer="Medicare",
    )


def with_visit(signed: bool = False, note: bool = True) -> list[ev.DomainEvent]:
    history: list[ev.DomainEvent] = [
        registered(),
        ev.TherapistAssigned(patient_id=PID, therapist_id=THERAPIST),
        ev.VisitRecorded(
            patient_id=PID, visit_id=VISIT, visit_type="evaluation", therapist_id=THERAPIST, visit_date=TODAY
        ),
    ]
    if note:
        history.append(
            ev.VisitNoteWritten(
                patient_id=PID, visit_id=VISIT, note=ev.SoapNote(subjective="s", assessment="a", plan="p")
            )
        )
    if signed:
        history.append(
            ev.VisitNoteSigned(
                patient_id=PID,
                visit_id=VISIT,
                signed_by=THERAPIST,
                signer_name="T",
                credentials="PT",
                signed_at=NOW,
            )
        )
    return history


def goal(metric: str = "gait_speed", target: float = 1.0, comparator: str = ">=") -> ev.GoalSet:
    return ev.GoalSet(
        patient_id=PID,
        goal_id=GOAL,
        metric=metric,
        description="d",
        unit="m/s",
        baseline=0.5,
        baseline_visit_id=None,
        target=target,
        comparator=comparator,
        due_date=TODAY + timedelta(30),
        lifecycle_status="active",
    )


# The visits' therapist, a clinician: the actor of the commands these tests decide unless they
# name another (test_roles.py decides as others).
CLINICIAN = Actor(user_id=THERAPIST, role="therapist", name="T", credentials="PT")


def decide(history: list[ev.DomainEvent], command: c.Command) -> list[ev.DomainEvent]:
    acting = command if command.actor is not None else replace(command, actor=CLINICIAN)
    return decide_patient(acting, fold(history))


def register_cmd(**changes: object) -> c.RegisterPatient:
    fields: dict[str, object] = dict(
        patient_id=PID,
        practice_id=PRACTICE,
        given_name="Ana",
        family_name="Ruiz",
        date_of_birth=date(1950, 1, 2),
        sex="female",
        contact_sealed="v1:x",
        diagnoses=(ev.Diagnosis(code="m17.11", description="OA knee"),),
        referring_physician="Dr A",
        payer="Medicare",
        today=TODAY,
    )
    fields.update(changes)
    return c.RegisterPatient(**fields)  # type: ignore[arg-type]


# --- registration -----------------------------------------------------------------------


def test_register_normalises_icd10_code() -> None:
    [event] = decide([], register_cmd())
    assert isinstance(event, ev.PatientRegistered)
    assert event.diagnoses[0].code == "M17.11"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"given_name": "  "}, "required"),
        ({"date_of_birth": TODAY + timedelta(days=1)}, "invalid_date"),
        ({"date_of_birth": date(1850, 1, 1)}, "invalid_date"),
        ({"sex": "x"}, "invalid_sex"),
        ({"diagnoses": ()}, "required"),
        ({"diagnoses": (ev.Diagnosis(code="KNEE"),)}, "invalid_icd10"),
        ({"diagnoses": (ev.Diagnosis(code="U07.1"),)}, "invalid_icd10"),
    ],
)
def test_register_refuses_bad_values(changes: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidValue) as err:
        decide([], register_cmd(**changes))
    assert err.value.code == code


def test_register_twice_is_refused() -> None:
    with pytest.raises(InvalidState, match="already registered"):
        decide([registered()], register_cmd())


def test_assigning_twice_is_refused() -> None:
    history = [registered(), ev.TherapistAssigned(patient_id=PID, therapist_id=3)]
    with pytest.raises(InvalidState) as err:
        decide(history, c.AssignTherapist(therapist_id=3))
    assert err.value.code == "already_assigned"
    assert decide(history, c.AssignTherapist(therapist_id=4)) == [
        ev.TherapistAssigned(patient_id=PID, therapist_id=4)
    ]


# --- plan of care -----------------------------------------------------------------------


def plan(days: int, **changes: object) -> c.EstablishPlanOfCare:
    fields: dict[str, object] = dict(
        certification_start=TODAY,
        certification_end=TODAY + timedelta(days=days),
        frequency_per_week=2,
        duration_weeks=8,
        today=TODAY,
    )
    fields.update(changes)
    return c.EstablishPlanOfCare(**fields)  # type: ignore[arg-type]


def test_plan_of_care_at_most_90_days() -> None:
    [event] = decide([registered()], plan(90))
    assert isinstance(event, ev.PlanOfCareEstablished)
    with pytest.raises(InvalidValue) as err:
        decide([registered()], plan(91))
    assert err.value.code == "certification_too_long"


@pytest.mark.parametrize(
    "changes", [{"frequency_per_week": 0}, {"frequency_per_week": 8}, {"duration_weeks": 0}]
)
def test_plan_of_care_frequency_and_duration_ranges(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidValue):
        decide([registered()], plan(30, **changes))


def test_plan_ending_before_start_is_refused() -> None:
    with pytest.raises(InvalidValue, match="ends before"):
        decide([registered()], plan(-1))


# --- goals ------------------------------------------------------------------------------


def set_goal(**changes: object) -> c.SetGoal:
    fields: dict[str, object] = dict(
        metric="step_length_symmetry",
        description="",
        unit="%",
        target=90.0,
        comparator=">=",
        due_date=TODAY + timedelta(days=42),
        baseline=70.0,
        today=TODAY,
        goal_id=GOAL,
    )
    fields.update(changes)
    return c.SetGoal(**fields)  # type: ignore[arg-type]


def test_goal_set_describes_itself() -> None:
    [event] = decide([registered()], set_goal())
    assert isinstance(event, ev.GoalSet)
    assert event.description == "Step-length symmetry >= 90 % by 2027-01-02"
    assert event.unit == "%"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"target": "ninety"}, "not_a_number"),
        ({"target": float("nan")}, "not_a_number"),
        ({"target": 140.0}, "out_of_range"),
        ({"unit": "m"}, "wrong_unit"),
        ({"metric": "happiness"}, "unknown_metric"),
        ({"comparator": "=="}, "invalid_comparator"),
        ({"due_date": TODAY - timedelta(days=1)}, "invalid_date"),
        ({"baseline": 95.0}, "target_already_met"),
        ({"lifecycle_status": "completed"}, "invalid_status"),
    ],
)
def test_goal_refuses_bad_targets(changes: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidValue) as err:
        decide([registered()], set_goal(**changes))
    assert err.value.code == code


def test_goal_baseline_visit_must_exist() -> None:
    with pytest.raises(NotFound):
        decide([registered()], set_goal(baseline_visit_id=uuid4()))


def test_goal_lifecycle_cannot_leave_terminal_state() -> None:
    history = [
        registered(),
        goal(),
        ev.GoalLifecycleChanged(patient_id=PID, goal_id=GOAL, lifecycle_status="completed"),
    ]
    with pytest.raises(InvalidState) as err:
        decide(history, c.ChangeGoalLifecycle(goal_id=GOAL, lifecycle_status="active"))
    assert err.value.code == "goal_closed"


def test_goal_lifecycle_change_and_unknown_status() -> None:
    history = [registered(), goal()]
    [event] = decide(
        history, c.ChangeGoalLifecycle(goal_id=GOAL, lifecycle_status="on-hold", reason="surgery")
    )
    assert event == ev.GoalLifecycleChanged(
        patient_id=PID, goal_id=GOAL, lifecycle_status="on-hold", reason="surgery"
    )
    with pytest.raises(InvalidValue):
        decide(history, c.ChangeGoalLifecycle(goal_id=GOAL, lifecycle_status="paused"))


# --- visits -----------------------------------------------------------------------------


def record_visit(**changes: object) -> c.RecordVisit:
    fields: dict[str, object] = dict(
        visit_type="evaluation", therapist_id=THERAPIST, visit_date=TODAY, today=TODAY
    )
    fields.update(changes)
    return c.RecordVisit(**fields)  # type: ignore[arg-type]


def test_first_visit_is_the_evaluation() -> None:
    history = [registered(), ev.TherapistAssigned(patient_id=PID, therapist_id=THERAPIST)]
    with pytest.raises(InvalidState) as err:
        decide(history, record_visit(visit_type="treatment"))
    assert err.value.code == "evaluation_first"
    [event] = decide(history, record_visit())
    assert isinstance(event, ev.VisitRecorded)


def test_visit_needs_an_assigned_therapist() -> None:
    with pytest.raises(InvalidState) as err:
        decide([registered()], record_visit())
    assert err.value.code == "not_assigned"


def test_visit_type_and_date_are_checked() -> None:
    history = [registered(), ev.TherapistAssigned(patient_id=PID, therapist_id=THERAPIST)]
    with pytest.raises(InvalidValue):
        decide(history, record_visit(visit_type="massage"))
    with pytest.raises(InvalidValue):
        decide(history, record_visit(visit_date=TODAY + timedelta(days=1)))


def test_no_visit_after_discharge() -> None:
    history = [
        *with_visit(signed=True),
        ev.PatientDischarged(patient_id=PID, discharged_on=TODAY, reason="met"),
    ]
    with pytest.raises(InvalidState) as err:
        decide(history, record_visit(visit_type="treatment"))
    assert err.value.code == "patient_discharged"
    with pytest.raises(InvalidState):
        decide(history, set_goal())


def test_no_edit_after_signing() -> None:
    with pytest.raises(InvalidState) as err:
        decide(with_visit(signed=True), c.WriteVisitNote(visit_id=VISIT, note=ev.SoapNote(plan="changed")))
    assert err.value.code == "visit_signed"
    assert "amend the signed note" in err.value.message


def test_empty_note_is_refused() -> None:
    with pytest.raises(InvalidValue):
        decide(with_visit(note=False), c.WriteVisitNote(visit_id=VISIT, note=ev.SoapNote(subjective="  ")))


def test_signing_rules() -> None:
    sign = c.SignVisitNote(
        visit_id=VISIT,
        signer_id=THERAPIST,
        signer_name="T",
        credentials="PT",
        now=NOW,
        attestation=ATTESTATION,
    )
    with pytest.raises(InvalidState, match="write the note"):
        decide(with_visit(note=False), sign)
    incomplete = [
        *with_visit(note=False),
        ev.VisitNoteWritten(patient_id=PID, visit_id=VISIT, note=ev.SoapNote(subjective="s")),
    ]
    with pytest.raises(InvalidState) as err:
        decide(incomplete, sign)
    assert err.value.code == "note_incomplete"
    with pytest.raises(InvalidState) as err:
        decide(
            with_visit(),
            c.SignVisitNote(
                visit_id=VISIT,
                signer_id=99,
                signer_name="X",
                credentials="",
                now=NOW,
                attestation=ATTESTATION,
            ),
        )
    assert err.value.code == "not_visit_therapist"
    [event] = decide(with_visit(), sign)
    assert isinstance(event, ev.VisitNoteSigned)
    with pytest.raises(InvalidState, match="already signed"):
        decide(with_visit(signed=True), sign)


def test_amendment_only_after_signing_and_keeps_reason() -> None:
    amend = c.AmendVisitNote(
        visit_id=VISIT,
        reason="wrong side",
        note=ev.SoapNote(objective="left knee"),
        amended_by=THERAPIST,
        now=NOW,
        attestation=ATTESTATION,
    )
    with pytest.raises(InvalidState) as err:
        decide(with_visit(), amend)
    assert err.value.code == "note_not_signed"
    [event] = decide(with_visit(signed=True), amend)
    assert isinstance(event, ev.VisitNoteAmended)
    assert event.reason == "wrong side"
    with pytest.raises(InvalidValue):
        decide(
            with_visit(signed=True),
            c.AmendVisitNote(
                visit_id=VISIT,
                reason=" ",
                note=ev.SoapNote(plan="x"),
                amended_by=THERAPIST,
                now=NOW,
                attestation=ATTESTATION,
            ),
        )


def test_unknown_visit_is_not_found() -> None:
    with pytest.raises(NotFound):
        decide(with_visit(), c.WriteVisitNote(visit_id=uuid4(), note=ev.SoapNote(plan="x")))


# --- measurements and achievement ----------------------------------------------------------


def measure(value: float, metric: str = "gait_speed", unit: str = "m/s") -> c.RecordMeasurement:
    return c.RecordMeasurement(visit_id=VISIT, metric=metric, value=value, unit=unit)


def test_measurement_meeting_a_goal_appends_achievement() -> None:
    events = decide([*with_visit(), goal()], measure(1.05))
    assert [type(e).__name__ for e in events] == ["MeasurementRecorded", "GoalAchieved"]
    assert isinstance(events[1], ev.GoalAchieved) and events[1].value == 1.05
    assert isinstance(events[0], ev.MeasurementRecorded) and events[0].measured_on == TODAY


def test_measurement_below_target_does_not_achieve() -> None:
    assert [type(e).__name__ for e in decide([*with_visit(), goal()], measure(0.99))] == [
        "MeasurementRecorded"
    ]


def test_lower_is_better_goal() -> None:
    history = [*with_visit(), goal(metric="timed_up_and_go", target=12.0, comparator="<=")]
    assert len(decide(history, measure(12.0, "timed_up_and_go", "s"))) == 2
    assert len(decide(history, measure(12.5, "timed_up_and_go", "s"))) == 1


def test_achievement_is_appended_once() -> None:
    history = [
        *with_visit(),
        goal(),
        ev.GoalAchieved(patient_id=PID, goal_id=GOAL, value=1.1, visit_id=VISIT, achieved_on=TODAY),
    ]
    assert len(decide(history, measure(1.2))) == 1


def test_measurement_unit_and_range_are_checked() -> None:
    with pytest.raises(InvalidValue) as err:
        decide(with_visit(), measure(1.0, unit="km/h"))
    assert err.value.code == "wrong_unit"
    with pytest.raises(InvalidValue):
        decide(with_visit(), measure(-0.5))


def test_pii_erasure_once() -> None:
    erase = c.ErasePatientPii(reason="request", now=NOW)
    [event] = decide([registered()], erase)
    assert isinstance(event, ev.PatientPiiErased)
    with pytest.raises(InvalidState):
        decide([registered(), event], erase)


def test_every_domain_error_has_a_message_and_code() -> None:
    with pytest.raises(DomainError) as err:
        decide([], c.AssignTherapist(therapist_id=1))
    assert err.value.code == "patient_missing" and err.value.message == "no such patient"
