"""The billing elements of a PDF report: the billing provider and clinician identifiers, the
procedures of the documented visit with their units under Medicare's 8-minute rule, and the
skilled interventions delivered over the reporting period.

Units are computed here from the recorded minutes by :func:`clinic.domain.billing.bill`, the one
implementation of the rule; procedure names are the practice's own short labels.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, Table

from clinic.domain.billing import ProcedureLine, bill
from clinic.reports.asof import certification_on
from clinic.reports.model import PatientRecord, Therapist, Visit
from clinic.reports.pdfstyle import GRID, H2, NONE, SMALL
from clinic.reports.pdftext import flat, paragraph

RULE_SOURCE = "Medicare 8-minute rule, CMS Pub. 100-04 ch. 5 \u00a720.2"


def therapist_of(record: PatientRecord, visit: Visit) -> Therapist | None:
    return next((t for t in record.therapists if t.user_id == visit.therapist_id), None)


def provider_rows(record: PatientRecord, visit: Visit) -> list[list[str]]:
    """Rows for the identification table: the billing provider and the treating clinician."""
    therapist = therapist_of(record, visit)
    provider = ", ".join(p for p in (record.practice_name, record.practice_address) if p) or NONE
    return [
        ["Billing provider", provider, "Practice NPI", record.practice_npi or NONE],
        [
            "Therapist NPI",
            (therapist.npi if therapist else "") or NONE,
            "Therapist licence",
            (therapist.licence if therapist else "") or NONE,
        ],
    ]


def _lines(visit: Visit) -> list[ProcedureLine]:
    return [ProcedureLine(code=code, minutes=minutes) for code, minutes in visit.procedures]


def billing_section(visit: Visit) -> list[Any]:
    """This visit's procedures: code, label, timed or untimed, minutes and billed units."""
    parts: list[Any] = [Paragraph("Procedures and billed units (this visit)", H2)]
    if not visit.procedures:
        return [*parts, Paragraph("No procedures recorded for this visit.", SMALL)]
    billing = bill(_lines(visit))
    rows: list[list[Any]] = [["CPT", "Procedure", "Type", "Minutes", "Units"]]
    for line in billing.lines:
        rows.append(
            [line.code, line.label, "timed" if line.timed else "untimed", str(line.minutes), str(line.units)]
        )
    rows.append(
        ["", "Total", "", str(billing.total_minutes), str(billing.timed_units + billing.untimed_units)]
    )
    table = Table(rows, colWidths=[0.7 * inch, 3.2 * inch, 0.9 * inch, 1.0 * inch, 0.9 * inch], repeatRows=1)
    table.setStyle(GRID)
    rule = (
        f"Total timed minutes {billing.timed_minutes} = {billing.timed_units} "
        f"unit{'s' if billing.timed_units != 1 else ''} ({RULE_SOURCE}: a unit per 15 minutes, one more "
        "for a remainder of 8 minutes or more, allocated to the codes with the most minutes); "
        "untimed codes bill 1 unit each."
    )
    return [*parts, table, paragraph(rule, SMALL)]


def interventions_section(record: PatientRecord, visit: Visit, *, since: Visit | None) -> list[Any]:
    """Skilled interventions delivered from after ``since`` up to ``visit`` (just ``visit`` when
    ``since`` is None and it is the first), with visits, minutes and units per code; then the
    interventions the plan of care in effect names."""
    start = record.visits.index(since) + 1 if since is not None else 0
    period = record.visits[start : record.visits.index(visit) + 1]
    visits: dict[str, int] = defaultdict(int)
    minutes: dict[str, int] = defaultdict(int)
    units: dict[str, int] = defaultdict(int)
    labels: dict[str, str] = {}
    for v in period:
        for line in bill(_lines(v)).lines:
            visits[line.code] += 1
            minutes[line.code] += line.minutes
            units[line.code] += line.units
            labels[line.code] = line.label
    parts: list[Any] = [Paragraph("Skilled interventions delivered", H2)]
    if labels:
        rows: list[list[Any]] = [["CPT", "Intervention", "Visits", "Minutes", "Units"]]
        rows += [
            [code, labels[code], str(visits[code]), str(minutes[code]), str(units[code])]
            for code in sorted(labels)
        ]
        table = Table(
            rows, colWidths=[0.7 * inch, 3.2 * inch, 0.9 * inch, 1.0 * inch, 0.9 * inch], repeatRows=1
        )
        table.setStyle(GRID)
        parts.append(table)
    else:
        parts.append(Paragraph("No procedures recorded in this period.", SMALL))
    plan = certification_on(record.certifications, visit.visit_date)
    if plan is not None and plan.interventions:
        parts.append(paragraph(flat(f"Planned interventions (plan of care): {plan.interventions}"), SMALL))
    return parts
