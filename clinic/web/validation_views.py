"""The Validation page: the latest report of ``manage.py validate`` for clinicians, and its files."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from clinic import selectors
from clinic.validation.html import report_context
from clinic.validation.store import NAMES

_TYPES = {"pdf": "application/pdf", "json": "application/json", "html": "text/html; charset=utf-8"}


@login_required
def validation(request: HttpRequest) -> HttpResponse:
    report = selectors.validation_report()
    context = report_context(report) if report is not None else {"report": None}
    return render(request, "clinic/validation.html", context)


@login_required
def validation_file(request: HttpRequest, fmt: str) -> FileResponse:
    if fmt not in NAMES:
        raise Http404("no such report format")
    path = settings.VALIDATION_REPORT_DIR / NAMES[fmt]
    if not path.is_file():
        raise Http404("no validation report has been written yet")
    # The standalone HTML carries its own styles, which this site's policy does not run inline:
    # it is a download to open from disk.
    return FileResponse(
        open(path, "rb"),
        content_type=_TYPES[fmt],
        as_attachment=fmt == "html",
        filename=f"validation-report.{fmt}",
    )
