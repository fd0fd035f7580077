"""Roles as clinics run them: given a patient, when a non-clinician writes clinical content, then
NotPermitted; physician certification and recertification of a plan of care."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from clinic.domain import commands as c
from clinic.domain import events as ev
from clinic.domain.decide import CLINICAL, decide_patient
from clinic.domain.errors import InvalidState, InvalidValue, NotPermitted
from clinic.domain.npi import check_npi, luhn_valid
from clinic.domain.patients import fold
from clinic.domain.roles import Actor, system_actor
from clinic.domain.visits import ATTESTATION
from tests.unit.domain.test_analyses import CONFIG, NOW, SHA
from tests.unit.domain.test_decide import PID, THERAPIST, TODAY, VISIT, decide, registered, with_visit

ADMIN = Actor(user_id=3, role="admin", name="Ada Admin", credentials="PT, DPT")
UNCREDENTIALED = Actor(user_id=THERAPIST, role="therapist", name="T", credentials="")
PLAN = uuid4()
NPI = "1234567893"  # CMS's worked example of the check digit


def plan(plan_id=PLAN, start=TODAY) -> ev.PlanOfCareEstablished:  # type: ignore[no-untyped-def]
    return ev.PlanOfCareEstablished(
        patient_id=PID, plan_id=plan_id, certification_start=start, certification_end=start + timedelta(days=60),
        frequency_per_week=2, duration_weeks=8,
    )  # fmt: skip


def certify(**changes: object) -> c.CertifyPlanOfCare:
    fields: dict[str, object] = dict(
        physician_name="Dr Lena Ortiz, MD", physician_npi=NPI, received_on=TODAY, today=TODAY
    )
    return c.CertifyPlanOfCare(**{**fields, **changes})  # type: ignore[arg-type]


CLINICAL_COMMANDS: list[c.Command] = [
    c.EstablishPlanOfCare(
        certification_start=TODAY, certification_end=TODAY + timedelta(days=60), frequency_per_week=2,
        duration_weeks=8, today=TODAY,
    ),
    certify(),
    c.SetGoal(metric="gait_speed", description="walk", unit="m/s", target=1.0, comparator=">=",
              due_date=TODAY + timedelta(days=30), today=TODAY),
    c.ChangeGoalLifecycle(goal_id=uuid4(), lifecycle_status="on-hold", reason="surgery"),
    c.ReviseGoal(goal_id=uuid4(), target=1.1, comparator=">=", due_date=TODAY + timedelta(days=30),
                 description="walk", reason="progressing", today=TODAY),
    c.RecordVisit(visit_type="treatment", therapist_id=THERAPIST, visit_date=TODAY, today=TODAY),
    c.WriteVisitNote(visit_id=VISIT, note=ev.SoapNote(plan="p")),
    c.RecordMeasurement(visit_id=VISIT, metric="gait_speed", value=1.0, unit="m/s"),
    c.ScoreQuestionnaire(visit_id=VISIT, instrument="nprs", responses=(4,)),
    c.RecordVisitProcedures(visit_id=VISIT, procedures=(ev.ProcedureMinutes(code="97110", minutes=23),)),
    c.SignVisitNote(visit_id=VISIT, signer_id=THERAPIST, signer_name="T", credentials="PT", now=NOW,
                    attestation=ATTESTATION),
    c.AmendVisitNote(visit_id=VISIT, reason="typo", note=ev.SoapNote(plan="p"), amended_by=3, now=NOW,
                     attestation=ATTESTATION),
    c.DischargePatient(discharged_on=TODAY, reason="goals met", today=TODAY),
    c.UploadVideo(visit_id=VISIT, content_sha256=SHA, media_type="video/mp4", size_bytes=10, original_name="a.mp4"),
    c.StartRecording(visit_id=VISIT, exercise="squat", model="full", mode="server", now=NOW),
    c.ReviewAnalysisValue(analysis_id=uuid4(), index=0, decision="accept", reviewer_id=3, reviewer_name="A",
                          reviewer_credentials="", now=NOW),
]  # fmt: skip


def test_every_clinical_command_is_listed() -> None:
    assert {type(command) for command in CLINICAL_COMMANDS} == set(CLINICAL)


@pytest.mark.parametrize("command", CLINICAL_COMMANDS, ids=lambda cmd: type(cmd).__name__)
@pytest.mark.parametrize("actor", [ADMIN, UNCREDENTIALED, None, system_actor("task:x")], ids=str)
def test_only_a_clinician_writes_clinical_content(command: c.Command, actor: Actor | None) -> None:
    history = [*with_visit(), plan()]
    with pytest.raises(NotPermitted) as err:
        decide_patient(_as(command, actor), fold(history))
    assert "clinician" in err.value.message


def _as(command: c.Command, actor: Actor | None) -> c.Command:
    from dataclasses import replace

    return replace(command, actor=actor)


def test_a_task_may_continue_an_analysis_a_clinician_started() -> None:
    request = c.RequestAnalysis(
        visit_id=VISIT, source="recording", source_id=uuid4(), content_sha256=SHA, config=CONFIG,
        actor=system_actor("task:recording"),
    )  # fmt: skip
    [event] = decide_patient(request, fold(with_visit()))
    assert isinstance(event, ev.AnalysisRequested)
    with pytest.raises(NotPermitted):
        decide_patient(_as(request, ADMIN), fold(with_visit()))


def test_an_admin_still_manages_the_care_team() -> None:
    history = [registered()]
    [event] = decide_patient(c.AssignTherapist(therapist_id=9, actor=ADMIN), fold(history))
    assert isinstance(event, ev.TherapistAssigned)


# --- physician certification ---------------------------------------------------------------


def test_certification_records_the_physician_and_the_date_received() -> None:
    [event] = decide([registered(), plan()], certify())
    assert isinstance(event, ev.PlanOfCareCertified)
    assert (event.plan_id, event.physician_name, event.physician_npi, event.received_on) == (
        PLAN, "Dr Lena Ortiz, MD", NPI, TODAY,
    )  # fmt: skip
    assert event.recertification is False and event.recorded_by == THERAPIST


def test_recertification_is_a_new_certification_event_of_a_new_plan() -> None:
    history = [registered(), plan()]
    history += decide(history, certify())
    with pytest.raises(InvalidState, match="already certified"):
        decide(history, certify())
    second = uuid4()
    history.append(plan(second, TODAY))
    [event] = decide(history, certify())
    assert isinstance(event, ev.PlanOfCareCertified)
    assert (event.plan_id, event.recertification) == (second, True)


def test_certification_needs_a_plan_a_name_a_valid_npi_and_a_past_date() -> None:
    with pytest.raises(InvalidState, match="no plan of care"):
        decide([registered()], certify())
    history = [registered(), plan()]
    for changes, field in (
        ({"physician_name": " "}, "physician_name"),
        ({"physician_npi": "1234567890"}, "physician_npi"),  # check digit wrong
        ({"physician_npi": "12345"}, "physician_npi"),
        ({"received_on": TODAY + timedelta(days=1)}, "certification_received_on"),
    ):
        with pytest.raises(InvalidValue) as err:
            decide(history, certify(**changes))
        assert err.value.details["field"] == field


def test_npi_check_digit_uses_the_80840_prefix() -> None:
    assert check_npi("1234 567 893") == NPI
    assert luhn_valid("80840" + NPI) and not luhn_valid(NPI)  # the prefix matters
    for wrong in ("1234567894", "2234567893"):
        with pytest.raises(InvalidValue, match="check digit"):
            check_npi(wrong)
