"""The discharge summary's own section of the discharge PDF: why the episode ended, what became of
each goal (the status the discharging therapist gave it, with their comment), the recommendations
and the home exercise programme the patient leaves with.

Read from the gathered record (:class:`clinic.reports.model.DischargeSummary`, as of the
document's date); a discharge recorded before the summary existed prints its reason and says the
rest was not documented. Free text goes through :func:`pdftext.paragraph`, so it
prints as typed and is never read as markup.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, Table, TableStyle

from clinic.domain.present import format_number
from clinic.reports.model import PatientRecord
from clinic.reports.pdftext import flat, paragraph, paragraphs

NOT_DOCUMENTED = "Not documented."
NONE = "\u2013"  # an en dash, as the other tables print a missing value


def discharge_section(
    record: PatientRecord, *, heading: ParagraphStyle, body: ParagraphStyle, small: ParagraphStyle
) -> list[Any]:
    """Flowables of the discharge summary, or none for a patient not discharged."""
    summary = record.discharge
    if summary is None:
        return []
    by_id = {g.goal_id: g for g in record.goals}
    judged = [(by_id[o.goal_id], o) for o in summary.goals if o.goal_id in by_id]
    parts: list[Any] = [Paragraph("Discharge summary", heading)]
    discharged = f"{record.discharged_on:%m/%d/%Y}" if record.discharged_on else ""
    parts.append(
        paragraph(flat(f"Discharged {discharged}. Reason: {summary.reason or NOT_DOCUMENTED}"), body)
    )
    if judged:
        rows: list[list[Any]] = [["Goal", "Last value", "Status at discharge", "Comment"]]
        for g, outcome in judged:
            last = (
                NONE if g.latest_value is None else f"{format_number(g.latest_value, unit=g.unit)} {g.unit}"
            )
            rows.append(
                [
                    paragraph(flat(g.description), small),
                    last,
                    outcome.status,
                    paragraph(flat(outcome.comment or NONE), small),
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
        ("Recommendations", summary.recommendations),
        ("Home exercise programme", summary.home_programme),
    ):
        parts.append(Paragraph(title, heading))
        parts.extend(paragraphs(text or NOT_DOCUMENTED, body))
    return parts
