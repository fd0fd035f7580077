"""One exception handler: every error is ``{"code", "message", "details"}`` with its status.

400 invalid input or a domain rule; 401/403 not allowed (403 with a sentence for a role that may
not write clinical content); 404 not found or not visible; 409 stale version
(``details.current_version`` tells the client where the stream is) or a signed, locked visit.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from clinic.access.policy import Forbidden, NotVisible
from clinic.domain.errors import DomainError, NotFound, NotPermitted, VisitLocked
from clinic.eventstore.errors import ConcurrencyConflict


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details or {}}


def domain_status(exc: DomainError) -> int:
    """The status of a refused command: 404 for what does not exist, 403 for a role that may not
    write it (with its sentence), 409 for a signed, locked visit, 400 for any other rule."""
    if isinstance(exc, NotFound):
        return status.HTTP_404_NOT_FOUND
    if isinstance(exc, NotPermitted):
        return status.HTTP_403_FORBIDDEN
    if isinstance(exc, VisitLocked):
        return status.HTTP_409_CONFLICT
    return status.HTTP_400_BAD_REQUEST


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ConcurrencyConflict):
        return Response(
            error_body(
                "conflict",
                "the record changed since you loaded it; reload and try again",
                {"current_version": exc.current_version, "expected_version": exc.expected_version},
            ),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, NotVisible | Http404):
        return Response(error_body("not_found", "not found"), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.details), status=domain_status(exc))
    if isinstance(exc, Forbidden | PermissionDenied):
        return Response(error_body("forbidden", str(exc) or "not allowed"), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, RequestDataTooBig):  # a form body over Django's limit (JSON: clinic.api.parsers)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(
            error_body(
                "body_too_large", f"The request body is larger than {limit} bytes.", {"max_bytes": limit}
            ),
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid_input", "the request has invalid fields", exc.detail)
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = error_body(code, str(exc.detail), getattr(exc, "details", None))
    return response
