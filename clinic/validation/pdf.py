"""The validation report as a PDF (reportlab): versions and data first, then per metric the
pooled sentence, its definition and what this run measured of it, a table per case and the
Bland-Altman plot. Case names come from folder names a clinic chooses, so every text goes in as
plain text (:mod:`clinic.reports.pdftext`).
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from clinic.reports.pdf import BODY, GRID, H1, H2, SMALL
from clinic.reports.pdftext import clip, paragraph
from clinic.validation.plots import bland_altman_drawing
from clinic.validation.present import (
    METHOD_TEXT,
    SUMMARY_HEADERS,
    definition_lines,
    metric_rows,
    not_found_lines,
    pooled_sentence,
)


def _about(report: dict[str, Any]) -> list[Any]:
    m = report["models"]
    rows = [
        ["Generated", report["generated_at"]],
        ["Software version", report["software_version"]],
        ["Pose model", f"{m['pose_model']}, MediaPipe {m['mediapipe'] or 'not installed'}"],
        ["Landmark model sha256", m["landmark_model_sha256"]],
        ["Model bundle sha256", m["bundle_sha256"] or "not installed"],
        [
            "Data sets",
            "; ".join(clip(f"{d['name']} ({d['path']})", max_chars=110) for d in report["datasets"]),
        ],
        ["Video cases", "run" if report["video_cases_run"] else "not run (--no-video)"],
    ]
    return [Table(rows, colWidths=[1.6 * inch, 5.7 * inch], style=GRID, hAlign="LEFT")]


def _cases(report: dict[str, Any]) -> list[Any]:
    rows = [["Case", "Kind", "Source", "Status"]]
    for c in report["cases"]:
        status = "ok" if not c["error"] else clip(f"not run: {c['error']}", max_chars=70)
        rows.append([clip(c["name"], max_chars=45), c["kind"], clip(c["source"], max_chars=40), status])
    return [Table(rows, repeatRows=1, style=GRID, hAlign="LEFT")]


def _metric(metric: dict[str, Any]) -> list[Any]:
    head = [
        paragraph(f"{metric['label']} ({metric['unit']}); reference: {metric['reference']}", H2),
        paragraph(pooled_sentence(metric), BODY),
        *[paragraph(f"Product method: {m}", SMALL) for m in metric.get("methods", [])],
        *[paragraph(line, SMALL) for line in definition_lines(metric)],
        Spacer(1, 4),
    ]
    rows = [SUMMARY_HEADERS] + [[r[0], clip(r[1], max_chars=48), *r[2:]] for r in metric_rows(metric)]
    table = Table(rows, repeatRows=1, style=GRID, hAlign="LEFT")
    out: list[Any] = [KeepTogether([*head, table]), Spacer(1, 6), bland_altman_drawing(metric)]
    missed = not_found_lines(metric)
    if missed:
        out.append(paragraph("Not found: " + "; ".join(missed), SMALL))
    return out


def render_pdf(report: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=0.6 * inch,
        rightMargin=0.6 * inch,
        topMargin=0.6 * inch,
        bottomMargin=0.6 * inch,
        title="Validation report",
        author="Movement clinic",
    )
    story: list[Any] = [
        Paragraph("Validation report", H1),
        paragraph(METHOD_TEXT, SMALL),
        Spacer(1, 6),
        *_about(report),
        Paragraph("Metrics", H2),
    ]
    for metric in report["metrics"]:
        story += _metric(metric)
    story += [Paragraph("Cases", H2), *_cases(report)]
    doc.build(story)
    return buffer.getvalue()
