"""The outcome tests of a PDF report: every recorded outcome-test score up to the document's date,
against its published norm for the patient's age and sex (with the source), and each change since
the previous score against the minimal clinically important difference (MCID).

The statements are :func:`clinic.reports.outcome_norms.record_statements`, the ones the visit and
progress pages show; the record is already restricted to the document's date
(:func:`clinic.reports.asof.as_of`), so a later score never appears in an earlier document.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, Table

from clinic.reports.model import PatientRecord
from clinic.reports.outcome_norms import record_statements
from clinic.reports.pdfstyle import GRID
from clinic.reports.pdftext import flat, paragraph

NONE = "\u2013"


def outcomes_section(
    record: PatientRecord, *, until: date, heading: ParagraphStyle, small: ParagraphStyle
) -> list[Any]:
    """Flowables of the outcome-test table, or none when the record holds no outcome-test score."""
    statements = record_statements(record, until=until)
    if not statements:
        return []
    rows: list[list[Any]] = [["Date", "Outcome test", "Value", "Against the published norm", "Change (MCID)"]]
    for s in statements:
        label = s.label + (f" ({s.side})" if s.side else "")
        flag = s.norm.flag.replace("_", " ") if s.norm else ""
        norm = f"{flag}: {s.norm_text}" if s.norm else s.norm_text
        change = (
            NONE if s.change is None else s.change.text + (f" ({s.change.source})" if s.change.source else "")
        )
        rows.append(
            [
                f"{s.measured_on:%m/%d/%Y}" if s.measured_on else NONE,
                paragraph(flat(label), small),
                s.value_text,
                paragraph(flat(norm), small),
                paragraph(flat(change), small),
            ]
        )
    table = Table(
        rows, colWidths=[0.7 * inch, 1.3 * inch, 0.75 * inch, 2.35 * inch, 2.0 * inch], repeatRows=1
    )
    table.setStyle(GRID)
    sex = statements[0].sex
    basis = (
        f"for {'women' if sex == 'female' else 'men'} of the patient's age on the test date"
        if sex
        else "(the record's sex has no published norm: age- and sex-specific norms are not applied)"
    )
    note = (
        f"Each score against the published norm {basis}; each change since the previous score against "
        "the minimal clinically important difference (MCID), the smallest change that matters to patients."
    )
    return [Paragraph("Outcome tests against published norms", heading), table, paragraph(flat(note), small)]
