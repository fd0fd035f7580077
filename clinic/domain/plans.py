"""Physician certification of a plan of care.

The therapist writes the plan of care (:func:`clinic.domain.patients.decide_plan_of_care`); the
patient's physician certifies it by signing it (Medicare: 42 CFR 424.24(c), within 30 days of the
initial evaluation, and again at least every 90 days). The practice records the certifying
physician (name and NPI) and the date the signed certification was received. Treatment under a
plan without it is flagged on the caseload.
"""

from __future__ import annotations

from clinic.domain import limits
from clinic.domain.commands import CertifyPlanOfCare
from clinic.domain.errors import InvalidState, InvalidValue
from clinic.domain.events import DomainEvent, PlanOfCareCertified
from clinic.domain.npi import check_npi
from clinic.domain.patients import PatientState, require_open


def decide_certify_plan(command: CertifyPlanOfCare, state: PatientState) -> list[DomainEvent]:
    """The physician's signed certification of a plan of care (a recertification when an earlier
    plan was certified). Each plan is certified once: a new period is a new plan of care."""
    patient_id = require_open(state)
    plan_id = command.plan_id or state.latest_plan
    if plan_id is None:
        raise InvalidState(
            "there is no plan of care to certify; write the plan of care first", code="no_plan_of_care"
        )
    if plan_id != state.latest_plan:
        raise InvalidState(
            "only the current plan of care can be certified", code="not_current_plan", field="plan_id"
        )
    if plan_id in state.certified_plans:
        raise InvalidState(
            "this plan of care is already certified; a recertification certifies a new plan of care",
            code="already_certified",
        )
    name = limits.check_text(
        command.physician_name,
        field="physician_name",
        label="the physician's name",
        max_chars=limits.PHYSICIAN_CHARS,
    )
    if not name:
        raise InvalidValue(
            "the certifying physician's name is required", code="required", field="physician_name"
        )
    npi = check_npi(command.physician_npi)
    limits.check_date(
        command.received_on,
        field="certification_received_on",
        label="the date the signed certification was received",
        earliest=limits.backdate_floor(command.today),
        latest=command.today,
        rule=f"not in the future and at most {limits.MAX_BACKDATE_DAYS} days back",
    )
    return [
        PlanOfCareCertified(
            patient_id=patient_id,
            plan_id=plan_id,
            physician_name=name,
            physician_npi=npi,
            received_on=command.received_on,
            recertification=bool(state.certified_plans),
            recorded_by=command.actor.user_id if command.actor else None,
        )
    ]
