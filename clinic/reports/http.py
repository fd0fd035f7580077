"""A document as an HTTP download, for both the pages and the API."""

from __future__ import annotations

from django.http import HttpResponse

from clinic.reports.services import Document


def attachment(document: Document) -> HttpResponse:
    response = HttpResponse(document.content, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response
