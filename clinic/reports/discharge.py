"""The discharge summary's own section of the discharge PDF: why the episode ended, what became of
each goal (the status the discharging therapist gave it, with their comment), the recommendations
and the home exercise programme the patient leaves with.

Read from the read models the discharge wrote (``PatientSummary.discharge_*`` and each
``GoalView.discharge_status``); a discharge recorded before the summary existed prints its reason
and says the rest was not documented. Free text goes through :func:`pdftext.paragraph`, so it
prints as typed and is never read as markup.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, Table, TableStyle

from clinic.domain.present import format_number
from clinic.projections import models as rm
from clinic.reports.pdftext import flat, paragraph, paragraphs

NOT_DOCUMENTED = "Not documented."
NONE = "\u2013"  # an en dash, as the other tables print a missing value


def discharge_section(
    patient_id: str, *, heading: ParagraphStyle, body: ParagraphStyle, small: ParagraphStyle
) -> list[Any]:
    """Flowables of the discharge summary, or none for a patient not discharged."""
    patient = rm.PatientSummary.objects.filter(patient_id=patient_id, status="discharged").first()
    if patient is None:
        return []
    goals = [
        g
        for g in rm.GoalView.objects.filter(patient_id=patient_id).order_by("due_date", "set_on")
        if g.discharge_status
    ]
    parts: list[Any] = [Paragraph("Discharge summary", heading)]
    discharged = f"{patient.discharged_on:%m/%d/%Y}" if patient.discharged_on else ""
    parts.append(
        paragraph(
            flat(f"Discharged {discharged}. Reason: {patient.discharge_reason or NOT_DOCUMENTED}"), body
        )
    )
    if goals:
        rows: list[list[Any]] = [["Goal", "Last value", "Status at discharge", "Comment"]]
        for g in goals:
            last = (
                NONE if g.latest_value is None else f"{format_number(g.latest_value, unit=g.unit)} {g.unit}"
            )
            rows.append(
                [
                    paragraph(flat(g.description), small),
                    last,
                    g.discharge_status,
                    paragraph(flat(g.discharge_comment or NONE), small),
                ]
            )
        table = Table(rows, colWidths=[2.6 * inch, 1.0 * inch, 1.2 * inch, 2.25 * inch], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef4f6")),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c8d0d8")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        parts.append(table)
    for title, text in (
        ("Recommendations", patient.discharge_recommendations),
        ("Home exercise programme", patient.discharge_home_programme),
    ):
        parts.append(Paragraph(title, heading))
        parts.extend(paragraphs(text or NOT_DOCUMENTED, body))
    return parts
