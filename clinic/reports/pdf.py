"""PDF reports a payer expects: initial evaluation, progress report, discharge summary.

Every report carries the practice, patient identifiers (name, date of birth, id),
ICD-10 diagnoses, referring physician, payer, plan-of-care certification dates, visit
counts since the start of care and since the last progress report, each goal with
baseline, current value, target, due date and status, an objective-measures table, the outcome
tests against their published norms and the MCID (clinic.reports.pdfoutcomes),
charts of the goal metrics, assessment, plan, prognosis, the skilled interventions of the period
and the visit's procedures with their units (clinic.reports.pdfbilling), the billing provider's
address and NPI, and the therapist's signature line with name, credentials, NPI, licence and date.
Each page shows the patient's name and "page N of M"; an unsigned report is marked DRAFT on every
page. A report shows the record as it stood on its visit's date (clinic.reports.asof).
"""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from analysis.angles import CONVENTION
from clinic.domain.present import format_number, format_value
from clinic.domain.progress import format_percent
from clinic.reports.asof import as_of
from clinic.reports.charts import goal_chart
from clinic.reports.discharge import discharge_section
from clinic.reports.model import Measurement, PatientRecord, Visit
from clinic.reports.pdfbilling import billing_section, interventions_section, provider_rows, therapist_of
from clinic.reports.pdfoutcomes import outcomes_section
from clinic.reports.pdfstyle import BODY, GRID, H1, H2, NONE, SMALL
from clinic.reports.pdftext import clip, flat, paragraph, paragraphs

KINDS = {
    "evaluation": "Physical Therapy Initial Evaluation",
    "progress": "Physical Therapy Progress Report",
    "discharge": "Physical Therapy Discharge Summary",
}
# Which visit a report documents.
KEY_VISIT_TYPES = {
    "evaluation": ("evaluation",),
    "progress": ("progress_report", "re_evaluation"),
    "discharge": ("discharge",),
}


class UnsupportedReport(ValueError):
    """The report kind is unknown, or the record has no visit it could document."""


def key_visit(record: PatientRecord, kind: str) -> Visit:
    """The visit a report of ``kind`` documents: the latest of its types, else the latest visit."""
    if kind not in KINDS:
        raise UnsupportedReport(f"report kind must be one of {', '.join(KINDS)}")
    if not record.visits:
        raise UnsupportedReport("the patient has no visits to report on")
    matching = [v for v in record.visits if v.visit_type in KEY_VISIT_TYPES[kind]]
    if kind == "evaluation":
        return matching[0] if matching else record.visits[0]
    return matching[-1] if matching else record.visits[-1]


REPORTING_TYPES = ("evaluation", "progress_report", "re_evaluation")


def reporting_period(record: PatientRecord, visit: Visit) -> tuple[Visit | None, int]:
    """(the previous evaluation or progress report before ``visit``, treatment visits since it).

    The count runs up to and including ``visit``: it is what the payer's 10-visit rule counts.
    Visits are in date order in the record.
    """
    earlier = record.visits[: record.visits.index(visit)]
    start = max((i for i, v in enumerate(earlier) if v.visit_type in REPORTING_TYPES), default=-1)
    previous = earlier[start] if start >= 0 else None
    count = sum(1 for v in [*earlier[start + 1 :], visit] if v.visit_type == "treatment")
    return previous, count


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return NONE
    return f"{value:.3g} {unit}".strip() if abs(value) < 1000 else f"{value:.0f} {unit}".strip()


DRAFT = "DRAFT"


def _numbered_canvas(record: PatientRecord, title: str, *, draft: bool) -> type[pdfcanvas.Canvas]:
    """A canvas that knows the page count, for "page N of M" and the running patient name; on an
    unsigned document, a DRAFT mark across every page."""

    class NumberedCanvas(pdfcanvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, height = LETTER
            self.setFont("Helvetica", 7.5)
            self.setFillColor(colors.HexColor("#667085"))
            # Canvas strings are not parsed as markup; long names are clipped to stay on the page.
            self.drawString(
                0.6 * inch, height - 0.45 * inch, f"{clip(record.practice_name, max_chars=50)} · {title}"
            )
            patient = f"{clip(record.name, max_chars=50)} · DOB {record.date_of_birth:%m/%d/%Y}"
            self.drawRightString(
                width - 0.6 * inch, height - 0.45 * inch, f"{patient} · ID {record.patient_id[:8]}"
            )
            self.drawString(0.6 * inch, 0.4 * inch, f"Patient: {clip(record.name, max_chars=90)}")
            self.drawRightString(width - 0.6 * inch, 0.4 * inch, f"Page {self._pageNumber} of {total}")
            if draft:
                self.saveState()
                self.setFillColor(colors.Color(0.75, 0.1, 0.1, alpha=0.14))
                self.setFont("Helvetica-Bold", 110)
                self.translate(width / 2, height / 2)
                self.rotate(45)
                self.drawCentredString(0, -40, DRAFT)
                self.restoreState()

    return NumberedCanvas


def _identification(record: PatientRecord, visit: Visit) -> Table:
    diagnoses = "\n".join(flat(f"{code} {desc}") for code, desc in record.diagnoses) or NONE
    cert = (
        f"{record.certification_start:%m/%d/%Y} to {record.certification_end:%m/%d/%Y}"
        if record.certification_start and record.certification_end
        else "not certified"
    )
    visits_total = record.visits.index(visit) + 1
    previous, period_visits = reporting_period(record, visit)
    period = (
        f"{previous.visit_date:%m/%d/%Y} to {visit.visit_date:%m/%d/%Y}"
        if previous
        else f"up to {visit.visit_date:%m/%d/%Y}"
    )
    rows = [
        ["Patient", record.name, "Date of birth", f"{record.date_of_birth:%m/%d/%Y}"],
        ["Patient ID", record.patient_id, "Sex", record.sex.capitalize()],
        [
            "Payer",
            f"{record.payer} {record.payer_member_id}".strip() or NONE,
            "Referring physician",
            record.referring_physician or NONE,
        ],
        [
            "Plan of care certified",
            cert,
            "Frequency / duration",
            f"{record.frequency_per_week}x/week for {record.duration_weeks} weeks"
            if record.frequency_per_week
            else NONE,
        ],
        [
            "Certifying physician",
            record.certifying_physician or "awaiting the physician's signed certification",
            "Certification received",
            f"{record.certification_received_on:%m/%d/%Y}" if record.certification_received_on else NONE,
        ],
        [
            "Start of care",
            f"{record.start_of_care:%m/%d/%Y}" if record.start_of_care else NONE,
            "Date of service",
            f"{visit.visit_date:%m/%d/%Y}",
        ],
        [
            "Visits since start of care",
            str(visits_total),
            "Visits since last progress report",
            str(period_visits),
        ],
        ["Reporting period", period, "Therapist", visit.therapist_name],
        *provider_rows(record, visit),
    ]
    table = Table(
        [[paragraph(flat(str(c)), SMALL) for c in row] for row in rows]
        + [[Paragraph("Diagnoses (ICD-10)", SMALL), paragraph(diagnoses, SMALL), "", ""]],
        colWidths=[1.35 * inch, 2.25 * inch, 1.45 * inch, 2.0 * inch],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c8d0d8")),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef4f6")),
                ("BACKGROUND", (2, 0), (2, -2), colors.HexColor("#eef4f6")),
                ("SPAN", (1, -1), (3, -1)),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _goals_table(record: PatientRecord) -> Table:
    rows: list[list[Any]] = [["Goal", "Baseline", "Current", "Target", "Due", "Progress", "Status"]]
    for g in record.charted_goals:
        current = format_value(g.latest_value, unit=g.unit, metric=g.metric) + (
            f" ({g.latest_on:%m/%d})" if g.latest_on else ""
        )
        rows.append(
            [
                paragraph(flat(g.description), SMALL),
                _fmt(g.baseline, g.unit),
                current,
                f"{g.comparator} {_fmt(g.target, g.unit)}",
                f"{g.due_date:%m/%d/%Y}",
                format_percent(g.progress_percent),
                paragraph(f"{g.achievement_status}\n({g.lifecycle_status})", SMALL),
            ]
        )
    if len(rows) == 1:
        rows.append([Paragraph("No goals set.", SMALL), "", "", "", "", "", ""])
    table = Table(
        rows,
        colWidths=[2.05 * inch, 0.75 * inch, 1.0 * inch, 0.9 * inch, 0.75 * inch, 0.6 * inch, 1.0 * inch],
        repeatRows=1,
    )
    table.setStyle(GRID)
    return table


def _measure_method(m: Measurement) -> str:
    """ "Clinician", or "Video, sagittal" for an analysis value (its view when known)."""
    if m.method != "video":
        return m.method.capitalize()
    detail = ", ".join(p for p in (m.view, "edited" if m.status == "amended" else "") if p)
    return "Video" + (f", {detail}" if detail else "")


def _measures_table(record: PatientRecord, visit: Visit) -> list[Any]:
    """Per metric: first value, previous value, value at this report, the change, how the last value
    was measured and its quality grade; then the angle convention, once (final values only: the
    record holds no unreviewed analysis value)."""
    by_metric: dict[str, list[Measurement]] = defaultdict(list)
    for m in record.measurements:
        if m.measured_on <= visit.visit_date:
            by_metric[(m.metric, m.side)].append(m)  # type: ignore[index]
    rows: list[list[Any]] = [["Measure", "Initial", "Previous", "This report", "Change", "Method", "Quality"]]
    for (_, side), series in sorted(by_metric.items(), key=lambda kv: kv[1][0].label):
        first, last = series[0], series[-1]
        previous = series[-2] if len(series) > 1 else None
        label = first.label + (f" ({side})" if side else "")

        def shown(m: Measurement) -> str:
            return f"{format_value(m.value, unit=m.unit, metric=m.metric)}\n{m.measured_on:%m/%d/%Y}"

        change = last.value - first.value
        change_text = format_number(change, unit=last.unit)
        rows.append(
            [
                paragraph(flat(label), SMALL),
                shown(first),
                shown(previous) if previous else NONE,
                shown(last),
                f"{'+' if change > 0 else ''}{change_text} {last.unit}".strip(),
                _measure_method(last),
                last.quality or NONE,
            ]
        )
    if len(rows) == 1:
        rows.append(["No objective measures recorded.", "", "", "", "", "", ""])
    table = Table(
        rows,
        colWidths=[1.85 * inch, 1.0 * inch, 1.0 * inch, 1.0 * inch, 0.8 * inch, 0.9 * inch, 0.6 * inch],
        repeatRows=1,
    )
    table.setStyle(GRID)
    parts: list[Any] = [table]
    if any(m.unit == "deg" for series in by_metric.values() for m in series):
        parts.append(paragraph(flat(f"{CONVENTION}."), SMALL))
    return parts


def _charts(record: PatientRecord, visit: Visit) -> list[Any]:
    start = record.start_of_care
    if start is None or not record.charted_goals:
        return []
    drawings = []
    for goal in record.charted_goals:
        series = [
            m for m in record.measurements if m.metric == goal.metric and m.measured_on <= visit.visit_date
        ]
        drawings.append(goal_chart(goal, series, start=start, width=3.5 * inch, height=1.9 * inch))
    rows = [drawings[i : i + 2] + [""] * (2 - len(drawings[i : i + 2])) for i in range(0, len(drawings), 2)]
    table = Table(rows, colWidths=[3.55 * inch, 3.55 * inch])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [Paragraph("Goal measures over time", H2), table]


def _soap(visit: Visit) -> list[Any]:
    parts: list[Any] = []
    for title, text in (
        ("Subjective", visit.subjective),
        ("Objective", visit.objective),
        ("Assessment", visit.assessment),
        ("Plan", visit.plan),
    ):
        parts.append(Paragraph(title, H2))
        parts.extend(paragraphs(text or "Not documented.", BODY))
    for amendment in visit.amendments:
        parts.extend(paragraphs(amendment, SMALL, lead="<i>Amendment:</i> "))
    return parts


def _prognosis(visit: Visit) -> list[Any]:
    return [
        Paragraph("Prognosis / rehab potential", H2),
        *paragraphs(visit.prognosis or "Not documented.", BODY),
    ]


def _signature(visit: Visit, record: PatientRecord) -> Any:
    therapist = therapist_of(record, visit)
    name = visit.signer_name or (therapist.name if therapist else visit.therapist_name)
    credentials = visit.signer_credentials or (therapist.credentials if therapist else "")
    if visit.signed_at:
        line = f"Electronically signed by {name}, {credentials} on {visit.signed_at:%m/%d/%Y %H:%M}"
    else:
        line = f"Therapist: {name}, {credentials}    Signature: ______________________    Date: __________"
    ids = [
        f"NPI {therapist.npi}" if therapist and therapist.npi else "",
        therapist.licence if therapist else "",
    ]
    if any(ids):
        line += " \u00b7 " + ", ".join(i for i in ids if i)
    parts = [Spacer(1, 10), Paragraph("Therapist signature", H2), paragraph(flat(line), BODY)]
    if visit.signed_at and visit.attestation:
        parts.append(paragraph(flat(f"Attestation: {visit.attestation}"), SMALL))
    return KeepTogether(parts)


def render(record: PatientRecord, kind: str) -> bytes:
    """The report of ``kind`` ("evaluation", "progress" or "discharge") as PDF bytes.

    The report shows the record as it stood at the end of its visit's date (its date of service, or
    the end of its reporting period): nothing measured, set or certified later. An unsigned visit
    makes the report a draft, marked on every page.
    """
    visit = key_visit(record, kind)
    record = as_of(record, day=visit.visit_date)
    title = KINDS[kind]
    draft = visit.signed_at is None
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=0.6 * inch,
        rightMargin=0.6 * inch,
        topMargin=0.7 * inch,
        bottomMargin=0.7 * inch,
        title=f"{title}: {record.name}",
        author=record.practice_name,
    )
    story: list[Any] = [
        Paragraph(title + (f" \u2013 {DRAFT}" if draft else ""), H1),
        *(
            [paragraph(f"{DRAFT}: this note is not signed; it is not part of the legal record yet.", BODY)]
            if draft
            else []
        ),
        paragraph(f"{flat(record.practice_name)} · generated {record.generated_at:%m/%d/%Y}", SMALL),
        Spacer(1, 6),
        _identification(record, visit),
        Paragraph("Goals", H2),
        _goals_table(record),
        Paragraph("Objective measures", H2),
        *_measures_table(record, visit),
        *outcomes_section(record, until=visit.visit_date, heading=H2, small=SMALL),
        *_charts(record, visit),
        *_soap(visit),
        *(discharge_section(record, heading=H2, body=BODY, small=SMALL) if kind == "discharge" else []),
        *(_prognosis(visit) if kind in ("evaluation", "progress") else []),
        *interventions_section(record, visit, since=reporting_period(record, visit)[0]),
        *billing_section(visit),
        _signature(visit, record),
    ]
    doc.build(story, canvasmaker=_numbered_canvas(record, title, draft=draft))
    return buffer.getvalue()
