"""CSV and JSON exports of a patient's measurements, for MATLAB, R or Python.

CSV columns (one row per measured value, oldest first):

==============  ===========================================================
patient_id      the patient's id (UUID)
visit_id        the visit the value belongs to (UUID)
date            the visit date, ISO 8601 (YYYY-MM-DD)
metric          catalogue code, e.g. ``gait_speed``
label           human name of the metric
value           the number, in ``unit``
unit            UCUM-style unit as recorded: m/s, deg, s, %, steps/min, count, score, m
side            left, right, bilateral or empty
method          clinician, or video (pose estimation)
==============  ===========================================================

Text cells that a spreadsheet would run as a formula start with an apostrophe
(:mod:`clinic.reports.csvcells`); numbers are written as numbers.

The JSON export carries the same rows under ``measurements`` plus ``patient``
identifiers, ``goals`` (baseline, target, comparator, due date, statuses, latest
value) and ``columns`` with these descriptions, so a file explains itself.
"""

from __future__ import annotations

import io
from dataclasses import asdict
from typing import Any

from clinic.domain.vocabulary import change_direction
from clinic.reports.csvcells import SafeWriter
from clinic.reports.model import PatientRecord

COLUMNS = {
    "patient_id": "the patient's id (UUID)",
    "visit_id": "the visit the value belongs to (UUID)",
    "date": "visit date, ISO 8601",
    "metric": "catalogue code of the metric",
    "label": "human name of the metric",
    "value": "the measured number, in unit",
    "unit": "unit of value",
    "side": "left, right, bilateral or empty",
    "method": "clinician or video (pose estimation)",
}


def measurement_rows(record: PatientRecord) -> list[dict[str, Any]]:
    return [
        {
            "patient_id": record.patient_id,
            "visit_id": m.visit_id,
            "date": m.measured_on.isoformat(),
            "metric": m.metric,
            "label": m.label,
            "value": m.value,
            "unit": m.unit,
            "side": m.side,
            "method": m.method,
        }
        for m in record.measurements
    ]


def metrics_csv(record: PatientRecord) -> str:
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([row[column] for column in COLUMNS] for row in measurement_rows(record))
    return out.getvalue()


def metrics_json(record: PatientRecord) -> dict[str, Any]:
    goals = []
    for g in record.goals:
        goal = asdict(g)
        for key in ("due_date", "latest_on", "set_on", "starts_on"):
            goal[key] = goal[key].isoformat() if goal[key] else None
        goal["lifecycle_history"] = [
            {"since": since.isoformat(), "status": status} for since, status in g.lifecycle_history
        ]
        goals.append(goal)
    return {
        "patient": {
            "patient_id": record.patient_id,
            "name": record.name,
            "date_of_birth": record.date_of_birth.isoformat(),
            "diagnoses": [{"code": c, "description": d} for c, d in record.diagnoses],
        },
        "generated_at": record.generated_at.isoformat(),
        "columns": COLUMNS,
        "measurements": measurement_rows(record),
        "goals": goals,
    }


def session_comparison(record: PatientRecord, *, sessions: int = 6) -> dict[str, Any]:
    """The last ``sessions`` visits with measurements, as columns; one row per metric (and side).

    Each cell holds the value, its change from the previous column and how that change reads for
    the patient (``reads``: better, worse, same or unknown, by the metric's direction: a faster
    Timed Up and Go is better), so a reader sees session-to-session progress at a glance.
    """
    by_visit: dict[str, dict[tuple[str, str], float]] = {}
    labels: dict[tuple[str, str], tuple[str, str]] = {}
    for m in record.measurements:
        by_visit.setdefault(m.visit_id, {})[(m.metric, m.side)] = m.value
        labels[(m.metric, m.side)] = (m.label + (f" ({m.side})" if m.side else ""), m.unit)
    visits = [v for v in record.visits if v.visit_id in by_visit][-sessions:]
    rows = []
    for key in sorted(labels, key=lambda k: labels[k][0]):
        cells, previous = [], None
        for v in visits:
            value = by_visit[v.visit_id].get(key)
            change = None if value is None or previous is None else value - previous
            reads = None if change is None else change_direction(key[0], change=change).value
            cells.append({"value": value, "change": change, "reads": reads})
            previous = value if value is not None else previous
        rows.append(
            {
                "label": labels[key][0],
                "unit": labels[key][1],
                "metric": key[0],
                "side": key[1],
                "cells": cells,
            }
        )
    # The angle convention is stated once under a table that holds angles.
    return {"visits": visits, "rows": rows, "has_angles": any(unit == "deg" for _, unit in labels.values())}
