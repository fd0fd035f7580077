"""The page a locked-out sign-in gets (``AXES_LOCKOUT_CALLABLE``): when to try again, status 429."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clinic.access.lockout import lockout_for


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """Axes calls this with (request, response, credentials) from its sync middleware and with
    (request, credentials) from its async one (Daphne); neither extra argument is needed here."""
    lock = lockout_for(request)
    response = render(request, "clinic/lockout.html", {"lock": lock}, status=429)
    response["Retry-After"] = str(lock.retry_after_s)
    return response
