"""One entry point to decide any patient command against the patient's state.

The role rule comes first (:mod:`clinic.domain.roles`): clinical content is written by clinicians
only, whatever adapter the command came through.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clinic.domain import commands as c
from clinic.domain.analyses import (
    decide_complete_analysis,
    decide_delete_video,
    decide_fail_analysis,
    decide_request_analysis,
    decide_start_recording,
    decide_stop_recording,
    decide_store_sequence,
    decide_upload,
)
from clinic.domain.events import DomainEvent
from clinic.domain.goals import decide_change_lifecycle, decide_revise_goal, decide_set_goal
from clinic.domain.outcomes import decide_score_questionnaire
from clinic.domain.patients import (
    PatientState,
    decide_assign,
    decide_discharge,
    decide_erase,
    decide_plan_of_care,
    decide_register,
    decide_unassign,
)
from clinic.domain.plans import decide_certify_plan
from clinic.domain.procedures import decide_record_procedures
from clinic.domain.reviews import decide_review_value
from clinic.domain.roles import require_clinician
from clinic.domain.visits import (
    decide_amend,
    decide_record_measurement,
    decide_record_visit,
    decide_sign,
    decide_write_note,
)

_DECIDERS: dict[type[c.Command], Callable[[Any, PatientState], list[DomainEvent]]] = {
    c.RegisterPatient: decide_register,
    c.AssignTherapist: decide_assign,
    c.UnassignTherapist: decide_unassign,
    c.EstablishPlanOfCare: decide_plan_of_care,
    c.CertifyPlanOfCare: decide_certify_plan,
    c.SetGoal: decide_set_goal,
    c.ChangeGoalLifecycle: decide_change_lifecycle,
    c.ReviseGoal: decide_revise_goal,
    c.RecordVisit: decide_record_visit,
    c.WriteVisitNote: decide_write_note,
    c.RecordMeasurement: decide_record_measurement,
    c.ScoreQuestionnaire: decide_score_questionnaire,
    c.RecordVisitProcedures: decide_record_procedures,
    c.SignVisitNote: decide_sign,
    c.AmendVisitNote: decide_amend,
    c.DischargePatient: decide_discharge,
    c.ErasePatientPii: decide_erase,
    c.UploadVideo: decide_upload,
    c.DeleteVideo: decide_delete_video,
    c.StartRecording: decide_start_recording,
    c.StopRecording: decide_stop_recording,
    c.StoreLandmarkSequence: decide_store_sequence,
    c.RequestAnalysis: decide_request_analysis,
    c.CompleteAnalysis: decide_complete_analysis,
    c.FailAnalysis: decide_fail_analysis,
    c.ReviewAnalysisValue: decide_review_value,
}


# Clinical content, and what each command writes (for the refusal's sentence).
CLINICAL: dict[type[c.Command], str] = {
    c.EstablishPlanOfCare: "write a plan of care",
    c.CertifyPlanOfCare: "record a plan of care's certification",
    c.SetGoal: "set goals",
    c.ChangeGoalLifecycle: "change goals",
    c.ReviseGoal: "revise goals",
    c.RecordVisit: "record visits",
    c.WriteVisitNote: "write visit notes",
    c.RecordMeasurement: "record measurements",
    c.ScoreQuestionnaire: "score questionnaires",
    c.RecordVisitProcedures: "record a visit's procedures",
    c.SignVisitNote: "sign notes",
    c.AmendVisitNote: "amend signed notes",
    c.DischargePatient: "discharge a patient",
    c.UploadVideo: "upload videos",
    c.StartRecording: "record sessions",
    c.ReviewAnalysisValue: "review measured values",
}
# Continued by a task for a clinician (the analysis of a clinician's recording or upload).
CLINICAL_OR_SYSTEM: dict[type[c.Command], str] = {c.RequestAnalysis: "request analyses"}


def decide_patient(command: c.Command, state: PatientState) -> list[DomainEvent]:
    """The events ``command`` produces on a patient stream in ``state``, or a DomainError."""
    try:
        decider = _DECIDERS[type(command)]
    except KeyError:
        raise TypeError(f"the patient stream does not handle {type(command).__name__}") from None
    if type(command) in CLINICAL:
        require_clinician(command.actor, what=CLINICAL[type(command)])
    elif type(command) in CLINICAL_OR_SYSTEM:
        require_clinician(command.actor, what=CLINICAL_OR_SYSTEM[type(command)], allow_system=True)
    return decider(command, state)
