"""Django's error views (``handler400/403/404/500`` in ``clinic/config/urls.py``).

Under ``/api/`` they answer the API's error body ``{"code", "message", "details"}`` as JSON, so a
client sees one format even for what never reaches a DRF view: a URL the resolver does not match
(``/api/patients/not-a-uuid/``), a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` refused by Django, or
an unhandled exception. Elsewhere they render ``clinic/error.html``.

A 403 is logged as one warning line: Django would otherwise log the ``PermissionDenied`` with its
traceback, which says nothing an administrator can act on.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

log = logging.getLogger("django.request")

API_PREFIX = "/api/"

TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 500: "Server error"}
PAGE_MESSAGES = {
    400: "The request could not be read.",
    403: "You are not allowed to open this page.",
    404: "There is nothing here, or you may not see it.",
    500: "Something went wrong on our side; it has been logged. Please try again.",
}


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _json(code: str, message: str, status: int, details: dict[str, Any] | None = None) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "details": details or {}}, status=status)


def _page(request: HttpRequest | None, status: int, reason: str = "") -> HttpResponse:
    context = {"status": status, "title": TITLES[status], "message": PAGE_MESSAGES[status], "reason": reason}
    # The 500 page renders without the request: whatever failed may fail again in a context processor.
    body = loader.get_template("clinic/error.html").render(context, request if status != 500 else None)
    return HttpResponse(body, status=status)


def _bad_request_reason(exception: Exception | None) -> tuple[str, str, dict[str, Any]]:
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return "body_too_large", f"The request body is larger than {limit} bytes.", {"max_bytes": limit}
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return "too_many_fields", "The request has too many fields or files.", {}
    return "bad_request", "The request could not be read.", {}


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        code, message, details = _bad_request_reason(exception)
        return _json(code, message, 400, details)
    return _page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The refusal's own sentence ("only a practice administrator may do this") tells the user why.
    reason = str(exception) if isinstance(exception, PermissionDenied) and exception.args else ""
    reason = reason[:1].upper() + reason[1:] + ("." if reason and not reason.endswith(".") else "")
    response = _json("forbidden", "not allowed", 403) if _is_api(request) else _page(request, 403, reason)
    log.warning("Forbidden: %s (%s)", request.path, exception or "permission denied")
    response._has_been_logged = True  # type: ignore[attr-defined]  # Django would log it again, with a traceback
    return response


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _json("not_found", "not found", 404)
    return _page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _json("server_error", "Something went wrong on the server; it has been logged.", 500)
    return _page(None, 500)
