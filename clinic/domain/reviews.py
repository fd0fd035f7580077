"""Clinician review of an analysis's preliminary values: only reviewed values enter the record.

A completed analysis records ``AnalysisCompleted`` alone; each of its values is *preliminary*
(FHIR Observation.status ``preliminary``) until a clinician reviews it:

* **accept**: the machine value becomes a ``MeasurementRecorded`` (method ``video``, with its
  quality, view and technique), so goals, progress charts and documents follow it;
* **edit**: the clinician's value (in the metric's unit and range) is recorded instead, and the
  review event keeps the machine value, the reviewer and the reason;
* **reject**: nothing enters the record; the review event is the audit entry (who, when, why).

Each value is reviewed once: a second review of the same value is refused (InvalidState), so a
double-submitted form cannot record a value twice. Values of a requested or failed analysis
cannot be reviewed, and a value outside its catalogue metric's plausible range cannot be
accepted (edit it with a reason, or reject it).

A signed visit is locked: results that arrive after signing (or were left unreviewed when the note
was signed) stay preliminary, and a value accepted or edited on a signed visit enters the record
only through a signed amendment (:func:`clinic.domain.visits.decide_amend` with ``reviews``), whose
measurements carry the amendment's id. Rejecting such a value records nothing and needs no
amendment.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid5

from clinic.domain import limits
from clinic.domain import vocabulary as vocab
from clinic.domain.commands import ReviewAnalysisValue, ValueReview
from clinic.domain.errors import InvalidState, InvalidValue, NotFound, VisitLocked
from clinic.domain.events import AnalysisValueReviewed, DomainEvent, MeasurementRecorded
from clinic.domain.goals import goals_achieved
from clinic.domain.patients import PatientState, require_open

DECISIONS = {"accept": "accepted", "edit": "edited", "reject": "rejected"}
# What each stored decision means for the value's FHIR Observation.status.
STATUS_OF_DECISION = {"accepted": "final", "final": "final", "edited": "amended", "rejected": "rejected"}


def _reason(command: ValueReview) -> str:
    reason = limits.check_text(
        command.reason, field="reason", label="the reason", max_chars=limits.REASON_CHARS
    )
    if command.decision in ("edit", "reject") and not reason:
        raise InvalidValue(
            f"a reason is required to {command.decision} a value", code="required", field="reason"
        )
    return reason


def decide_review_value(command: ReviewAnalysisValue, state: PatientState) -> list[DomainEvent]:
    """The review event, plus the measurement and any goal achievements for an accepted or
    edited value. On a signed visit only a rejection is decided here (see the module docstring)."""
    analysis = state.analyses.get(command.analysis_id)
    visit = state.visits.get(analysis.visit_id) if analysis is not None else None
    if visit is not None and visit.signed and command.decision != "reject":
        raise VisitLocked(
            "This visit's note is signed and locked, so a value reviewed now enters the record only "
            "through a signed amendment: amend the note and review the value there, or reject it.",
            code="visit_signed",
        )
    review = ValueReview(
        analysis_id=command.analysis_id,
        index=command.index,
        decision=command.decision,
        value=command.value,
        reason=command.reason,
    )
    return review_events(
        review,
        state,
        reviewer_id=command.reviewer_id,
        reviewer_name=command.reviewer_name,
        reviewer_credentials=command.reviewer_credentials,
        now=command.now,
    )


def review_measurement_id(analysis_id: UUID, index: int) -> UUID:
    """Derived from the value's place in the analysis: one measurement per reviewed value."""
    return uuid5(analysis_id, f"review:{index}")


def review_events(
    command: ValueReview,
    state: PatientState,
    *,
    reviewer_id: int,
    reviewer_name: str,
    reviewer_credentials: str,
    now: datetime,
    amendment_id: UUID | None = None,
    decided: Sequence[DomainEvent] = (),
) -> list[DomainEvent]:
    """The events of one review decision (``decided``: events decided before it in the same
    command, so a goal is achieved once)."""
    patient_id = require_open(state)
    analysis = state.analyses.get(command.analysis_id)
    if analysis is None:
        raise NotFound("no such analysis for this patient", field="analysis_id")
    if analysis.status != "completed":
        raise InvalidState(
            f"the analysis is {analysis.status}; only a completed analysis's values can be reviewed",
            code="analysis_not_completed",
        )
    if not 0 <= command.index < len(analysis.metrics):
        raise NotFound("the analysis has no value at this index", field="index")
    if command.decision not in DECISIONS:
        raise InvalidValue(
            "decision must be accept, edit or reject", code="invalid_decision", field="decision"
        )
    done = analysis.reviews.get(command.index)
    if done is not None:
        raise InvalidState(
            f"this value was already reviewed ({'recorded' if done == 'final' else done})",
            code="already_reviewed",
        )
    machine = analysis.metrics[command.index]
    reason = _reason(command)
    metric = vocab.METRICS.get(machine.metric)
    decision = DECISIONS[command.decision]
    value: float | None = None
    if command.decision != "reject":
        if metric is None or machine.unit != metric.unit:
            raise InvalidValue(
                "this value has no catalogue metric and cannot enter the record; reject it or leave it",
                code="not_a_goal_metric",
                field="index",
            )
        if command.decision == "accept":
            if not math.isfinite(machine.value) or not metric.minimum <= machine.value <= metric.maximum:
                raise InvalidValue(
                    f"{machine.value:g} {metric.unit} is outside {metric.minimum:g}-{metric.maximum:g} "
                    f"{metric.unit} for {metric.label}: edit it with a reason or reject it",
                    code="out_of_range",
                    field="index",
                )
            value = float(machine.value)
        else:
            if command.value is None:
                raise InvalidValue(
                    "an edited value needs the clinician's value", code="required", field="value"
                )
            value = vocab.check_value_in_unit(metric, value=command.value, unit=metric.unit, field="value")
    visit = state.visits[analysis.visit_id]
    events: list[DomainEvent] = [
        AnalysisValueReviewed(
            patient_id=patient_id,
            visit_id=analysis.visit_id,
            analysis_id=analysis.analysis_id,
            index=command.index,
            metric=machine.metric,
            side=machine.side,
            unit=machine.unit,
            machine_value=float(machine.value),
            value=value,
            decision=decision,
            reason=reason,
            reviewer_id=reviewer_id,
            reviewer_name=reviewer_name,
            reviewer_credentials=reviewer_credentials,
            reviewed_at=now,
        )
    ]
    if value is None or metric is None:
        return events
    events.append(
        MeasurementRecorded(
            patient_id=patient_id,
            visit_id=analysis.visit_id,
            measurement_id=review_measurement_id(analysis.analysis_id, command.index),
            metric=metric.code,
            value=value,
            unit=metric.unit,
            measured_on=visit.visit_date,
            side=machine.side,
            method="video",
            analysis_id=analysis.analysis_id,
            quality=machine.quality,
            view=machine.view,
            technique=machine.method,
            review=decision,
            amendment_id=amendment_id,
        )
    )
    events += goals_achieved(state, metric=metric.code, value=value, visit=visit, decided=[*decided, *events])
    return events
