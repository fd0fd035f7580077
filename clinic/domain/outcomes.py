"""Scoring a standard questionnaire at a visit: the score becomes a final measurement (method
``questionnaire``, with the item answers kept) that feeds goals like any other value."""

from __future__ import annotations

from clinic.domain import questionnaires
from clinic.domain import vocabulary as vocab
from clinic.domain.commands import ScoreQuestionnaire
from clinic.domain.events import DomainEvent
from clinic.domain.patients import PatientState, require_open, require_unsigned
from clinic.domain.visits import check_side, final_value


def decide_score_questionnaire(command: ScoreQuestionnaire, state: PatientState) -> list[DomainEvent]:
    """The questionnaire's score as a ``MeasurementRecorded``, plus an achievement event for each
    active goal on its metric that the score newly meets."""
    patient_id = require_open(state)
    visit = require_unsigned(state, command.visit_id, what="a questionnaire score")
    instrument = questionnaires.instrument(command.instrument)
    check_side(command.side)
    score = instrument.score(command.responses)
    metric = vocab.metric(instrument.metric)
    value = vocab.check_value_in_unit(metric, value=score, unit=metric.unit, field="score")
    return final_value(
        state, visit, patient_id=patient_id, measurement_id=command.measurement_id, metric=metric,
        value=value, side=command.side, method=vocab.Method.QUESTIONNAIRE, instrument=instrument.code,
        responses=tuple(command.responses),
    )  # fmt: skip
