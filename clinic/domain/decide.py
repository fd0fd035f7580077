"""One entry point to decide any patient command against the patient's state."""

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
from clinic.domain.procedures import decide_record_procedures
from clinic.domain.reviews import decide_review_value
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


def decide_patient(command: c.Command, state: PatientState) -> list[DomainEvent]:
    """The events ``command`` produces on a patient stream in ``state``, or a DomainError."""
    try:
        decider = _DECIDERS[type(command)]
    except KeyError:
        raise TypeError(f"the patient stream does not handle {type(command).__name__}") from None
    return decider(command, state)
