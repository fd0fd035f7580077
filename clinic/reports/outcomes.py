"""What the visit page shows beside an outcome test's values: each score against its published
norm (age and sex from the record) and, when an earlier visit recorded the same score, the change
against the minimal clinically important difference, stated by :mod:`clinic.reports.outcome_norms`
(the same statements as the progress page and the PDF reports).

Earlier scores are the record's (a clinician's measurement or an accepted analysis value, the
visit projection's ``measurements``), from visits dated before this one.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from analysis import norms
from analysis.activities import LABELS
from analysis.outcomes import TUG_PHASES
from clinic.domain.present import format_value
from clinic.projections import models as rm
from clinic.reports.outcome_norms import SCORES, score_statement


def _earlier(patient_id: UUID, before: date) -> dict[tuple[str, str], tuple[float, date]]:
    """(metric, side) -> the latest recorded value before ``before`` and its visit date."""
    latest: dict[tuple[str, str], tuple[float, date]] = {}
    visits = rm.VisitView.objects.filter(patient_id=patient_id, visit_date__lt=before).order_by("visit_date")
    for v in visits:
        for m in v.measurements:
            if m.get("metric") in SCORES:
                latest[(m["metric"], m.get("side", ""))] = (float(m["value"]), v.visit_date)
    return latest


def outcome_panel(
    *, patient: rm.PatientSummary, visit: rm.VisitView, analysis: rm.AnalysisView
) -> dict[str, Any] | None:
    """The panel of a completed analysis of an outcome test (None for other analyses)."""
    outcome = (analysis.summary or {}).get("outcome")
    if not outcome:
        return None
    age = norms.age_on(patient.date_of_birth, visit.visit_date)
    sex = norms.known_sex(patient.sex)
    earlier = _earlier(patient.patient_id, visit.visit_date)
    scores = []
    for m in analysis.metrics:
        metric, side, value, unit = m["metric"], m.get("side", ""), float(m["value"]), m["unit"]
        if metric not in SCORES:
            continue
        scores.append(
            score_statement(
                metric,
                value,
                unit=unit,
                side=side,
                age_years=age,
                sex=sex,
                ended=norms.hold_ended(outcome, metric, side),
                before=earlier.get((metric, side)),
                measured_on=visit.visit_date,
            )
        )
    result = outcome.get("result") or {}
    stored = result.get("phases_s") or {}
    phases = [
        {"name": name.replace("_", " "), "text": format_value(stored[name], unit="s")}
        for name in sorted(stored, key=lambda n: TUG_PHASES.index(n) if n in TUG_PHASES else len(TUG_PHASES))
    ]
    return {
        "label": LABELS.get(outcome["test"], outcome["test"]),  # type: ignore[call-overload]
        "age": age,
        "sex": sex,
        "scores": scores,
        "phases": phases,
        "flight_time": format_value(result["flight_time_s"], unit="s")
        if result.get("flight_time_s")
        else None,
    }
