"""Free-text, list and date bounds (clinic.domain.limits), enforced by the decide functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from uuid import uuid4

import pytest

from clinic.domain import commands as c
from clinic.domain import events as ev
from clinic.domain import limits
from clinic.domain import practice as practice_domain
from clinic.domain.errors import DomainError, InvalidState, InvalidValue
from clinic.domain.visits import ATTESTATION
from tests.unit.domain.test_decide import (
    NOW,
    PID,
    PRACTICE,
    THERAPIST,
    TODAY,
    VISIT,
    decide,
    plan,
    register_cmd,
    registered,
    with_visit,
)

AT_LIMIT = "x" * limits.SOAP_SECTION_CHARS


def too_long(chars: int) -> str:
    return "y" * (chars + 1)


def refused(history: list[ev.DomainEvent], command: c.Command) -> DomainError:
    with pytest.raises(DomainError) as err:
        decide(history, command)
    return err.value


# --- registration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "chars"),
    [
        ("given_name", limits.PERSON_NAME_CHARS),
        ("family_name", limits.PERSON_NAME_CHARS),
        ("referring_physician", limits.PHYSICIAN_CHARS),
        ("payer", limits.PAYER_CHARS),
        ("payer_member_id", limits.PAYER_MEMBER_ID_CHARS),
    ],
)
def test_registration_text_is_bounded(field: str, chars: int) -> None:
    decide([], register_cmd(**{field: "n" * chars}))  # the limit itself is accepted
    error = refused([], register_cmd(**{field: too_long(chars)}))
    assert error.code == "too_long" and error.details == {"field": field, "max_chars": chars}
    assert f"{chars:,}" in error.message


def test_surrounding_whitespace_does_not_count() -> None:
    [event] = decide([], register_cmd(payer="  " + "p" * limits.PAYER_CHARS + "\n"))
    assert isinstance(event, ev.PatientRegistered) and len(event.payer) == limits.PAYER_CHARS


def test_diagnoses_are_bounded_in_number_and_length() -> None:
    many = tuple(ev.Diagnosis(code="M17.11") for _ in range(limits.DIAGNOSES_PER_PATIENT))
    decide([], register_cmd(diagnoses=many))
    error = refused([], register_cmd(diagnoses=many * 1667))  # 20,004: the 820 KB row
    assert error.code == "too_many" and error.details["max_items"] == limits.DIAGNOSES_PER_PATIENT
    long = ev.Diagnosis(code="M17.11", description=too_long(limits.DIAGNOSIS_DESCRIPTION_CHARS))
    assert refused([], register_cmd(diagnoses=(long,))).code == "too_long"


@pytest.mark.parametrize("born", [date(1899, 12, 31), date(1, 1, 1)])
def test_date_of_birth_before_1900_is_refused(born: date) -> None:
    # 1899 is within 130 years of a 2026 "today"; the 1900 floor still refuses it.
    error = refused([], register_cmd(date_of_birth=born, today=date(2026, 1, 1)))
    assert error.code == "invalid_date" and error.details["field"] == "date_of_birth"


# --- plan of care -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "start",
    [
        date(9999, 12, 1),
        TODAY + timedelta(days=limits.MAX_CERTIFICATION_LEAD_DAYS + 1),
        TODAY - timedelta(days=limits.MAX_BACKDATE_DAYS + 1),
        date(1, 1, 1),
    ],
)
def test_plan_of_care_dates_are_plausible(start: date) -> None:
    error = refused([registered()], plan(30, certification_start=start, certification_end=start))
    assert error.code == "invalid_date" and error.details["field"] == "certification_start"


def test_plan_of_care_edges_are_accepted() -> None:
    for start in (
        TODAY - timedelta(days=limits.MAX_BACKDATE_DAYS),
        TODAY + timedelta(days=limits.MAX_CERTIFICATION_LEAD_DAYS),
    ):
        decide([registered()], plan(90, certification_start=start, certification_end=start + timedelta(90)))


def test_plan_interventions_are_bounded() -> None:
    error = refused([registered()], plan(30, interventions=too_long(limits.INTERVENTIONS_CHARS)))
    assert error.code == "too_long"


# --- goals --------------------------------------------------------------------------------


def set_goal(**changes: object) -> c.SetGoal:
    fields: dict[str, object] = dict(
        metric="gait_speed",
        description="",
        unit="m/s",
        target=1.1,
        comparator=">=",
        due_date=TODAY + timedelta(days=30),
        today=TODAY,
    )
    fields.update(changes)
    return c.SetGoal(**fields)  # type: ignore[arg-type]


def test_goal_due_date_is_at_most_a_year_ahead_without_a_plan() -> None:
    decide([registered()], set_goal(due_date=TODAY + timedelta(days=limits.MAX_GOAL_HORIZON_DAYS)))
    for due in (TODAY + timedelta(days=limits.MAX_GOAL_HORIZON_DAYS + 1), date(9999, 12, 31)):
        error = refused([registered()], set_goal(due_date=due))
        assert error.code == "invalid_date" and error.details["field"] == "due_date"
        assert str(limits.MAX_GOAL_HORIZON_DAYS) in error.message


def test_goal_description_and_reason_are_bounded() -> None:
    error = refused([registered()], set_goal(description=too_long(limits.GOAL_DESCRIPTION_CHARS)))
    assert error.code == "too_long" and error.details["field"] == "description"
    history = [registered(), *decide([registered()], set_goal())]
    goal_id = history[-1].goal_id  # type: ignore[attr-defined]
    change = c.ChangeGoalLifecycle(
        goal_id=goal_id, lifecycle_status="on-hold", reason=too_long(limits.REASON_CHARS)
    )
    assert refused(history, change).code == "too_long"


# --- visits, notes, amendments ------------------------------------------------------------


def test_visit_date_at_most_a_year_back() -> None:
    history = [registered(), ev.TherapistAssigned(patient_id=PID, therapist_id=THERAPIST)]
    ok = c.RecordVisit(
        visit_type="evaluation",
        therapist_id=THERAPIST,
        visit_date=TODAY - timedelta(days=limits.MAX_BACKDATE_DAYS),
        today=TODAY,
    )
    decide(history, ok)
    for when in (TODAY - timedelta(days=limits.MAX_BACKDATE_DAYS + 1), date(1, 1, 1)):
        error = refused(history, replace(ok, visit_date=when))
        assert error.code == "invalid_date" and error.details["field"] == "visit_date"


@pytest.mark.parametrize("section", ["subjective", "objective", "assessment", "plan"])
def test_soap_sections_are_bounded_in_characters_and_lines(section: str) -> None:
    history = with_visit(note=False)
    at_limit = ev.SoapNote(**{section: AT_LIMIT})
    decide(history, c.WriteVisitNote(visit_id=VISIT, note=at_limit))
    error = refused(history, c.WriteVisitNote(visit_id=VISIT, note=ev.SoapNote(**{section: AT_LIMIT + "z"})))
    assert error.code == "too_long" and error.details == {
        "field": section,
        "max_chars": limits.SOAP_SECTION_CHARS,
    }
    lines = "\n".join("l" for _ in range(limits.SOAP_SECTION_LINES + 1))
    error = refused(history, c.WriteVisitNote(visit_id=VISIT, note=ev.SoapNote(**{section: lines})))
    assert error.code == "too_many_lines" and error.details["max_lines"] == limits.SOAP_SECTION_LINES


def amend(reason: str = "typo", **note: str) -> c.AmendVisitNote:
    return c.AmendVisitNote(
        visit_id=VISIT,
        reason=reason,
        note=ev.SoapNote(assessment="a", plan="p", **note),
        amended_by=THERAPIST,
        now=NOW,
        attestation=ATTESTATION,
    )


def test_amendments_are_bounded_in_length_and_number() -> None:
    history = with_visit(signed=True)
    assert refused(history, amend(reason=too_long(limits.AMENDMENT_REASON_CHARS))).code == "too_long"
    assert refused(history, amend(subjective=AT_LIMIT + "z")).code == "too_long"
    for _ in range(limits.AMENDMENTS_PER_VISIT):
        history += decide(history, amend())
    with pytest.raises(InvalidState) as err:
        decide(history, amend())
    assert err.value.code == "too_many_amendments"


def test_discharge_reason_and_date_are_bounded() -> None:
    history = [registered()]
    ok = c.DischargePatient(discharged_on=TODAY, reason="goals met", today=TODAY)
    assert refused(history, replace(ok, reason=too_long(limits.REASON_CHARS))).code == "too_long"
    far = replace(ok, discharged_on=TODAY - timedelta(days=limits.MAX_BACKDATE_DAYS + 1))
    assert refused(history, far).code == "invalid_date"


# --- practice -----------------------------------------------------------------------------


def test_practice_and_staff_text_is_bounded() -> None:
    with pytest.raises(InvalidValue) as err:
        practice_domain.decide(
            c.OpenPractice(practice_id=uuid4(), name=too_long(limits.PRACTICE_NAME_CHARS)),
            practice_domain.PracticeState(),
        )
    assert err.value.code == "too_long"
    opened = practice_domain.PracticeState(practice_id=PRACTICE, name="P")
    for changes in (
        {"display_name": too_long(limits.STAFF_NAME_CHARS)},
        {"credentials": too_long(limits.CREDENTIALS_CHARS)},
    ):
        fields: dict[str, object] = {"user_id": 1, "role": "therapist", "display_name": "T", **changes}
        command = c.AddStaffMember(**fields)  # type: ignore[arg-type]
        with pytest.raises(InvalidValue) as err:
            practice_domain.decide(command, opened)
        assert err.value.code == "too_long"
