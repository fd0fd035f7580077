"""Recording the procedures delivered at a visit (CPT codes and treatment minutes).

The lines are checked by the billing rules (known code, whole minutes, each code once); units
follow from the minutes by the 8-minute rule whenever they are shown, so they are not stored.
Procedures are part of the note: once it is signed they change only through an amendment.
"""

from __future__ import annotations

from clinic.domain.billing import ProcedureLine, check_lines
from clinic.domain.commands import RecordVisitProcedures
from clinic.domain.events import DomainEvent, ProcedureMinutes, VisitProceduresRecorded
from clinic.domain.patients import PatientState, require_open, require_unsigned


def decide_record_procedures(command: RecordVisitProcedures, state: PatientState) -> list[DomainEvent]:
    patient_id = require_open(state)
    visit = require_unsigned(state, command.visit_id, what="procedures")
    lines = check_lines([ProcedureLine(code=p.code, minutes=p.minutes) for p in command.procedures])
    return [
        VisitProceduresRecorded(
            patient_id=patient_id,
            visit_id=visit.visit_id,
            procedures=tuple(ProcedureMinutes(code=line.code, minutes=line.minutes) for line in lines),
        )
    ]
