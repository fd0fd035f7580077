"""The validation report as HTML: the same body for the stored file (a standalone page with its
own styles, to open or archive without the server) and for the Validation page of the web app."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from clinic.validation.plots import bland_altman_svg
from clinic.validation.present import (
    METHOD_TEXT,
    SUMMARY_HEADERS,
    definition_lines,
    metric_rows,
    not_found_lines,
    pooled_sentence,
)


def report_context(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "report": report,
        "method_text": METHOD_TEXT,
        "headers": SUMMARY_HEADERS,
        "metrics": [
            {
                "m": m,
                "sentence": pooled_sentence(m),
                "definition": definition_lines(m),
                "rows": metric_rows(m),
                # Built from numbers and escaped labels only (plots.bland_altman_svg escapes).
                "svg": mark_safe(bland_altman_svg(m)),
                "not_found": not_found_lines(m),
            }
            for m in report["metrics"]
        ],
    }


def render_html(report: dict[str, Any]) -> str:
    return str(render_to_string("clinic/validation_report_file.html", report_context(report)))
