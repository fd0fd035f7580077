"""Give every request an id and an actor for event metadata and the access log."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from clinic.eventstore.context import execution_context


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID") or str(uuid.uuid4())
        user = getattr(request, "user", None)
        actor = user.get_username() if user is not None and user.is_authenticated else "anonymous"
        with execution_context(actor=actor, request_id=request_id[:64], correlation_id=request_id[:64]):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id[:64]
        return response
