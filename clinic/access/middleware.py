"""Give every request an id and an actor for event metadata and the access log.

The request id is always generated here: a client-chosen id would let a caller make
its requests look like someone else's in the access log and the event metadata. What
the client sent as ``X-Request-ID`` is kept apart as ``client_request_id`` (access-log
row, covered by its hash, and event metadata) when it is a token of safe characters,
cut to 64; anything else is dropped.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from clinic.eventstore.context import execution_context

CLIENT_REQUEST_ID_MAX_CHARS = 64
_SAFE_TOKEN = re.compile(r"[A-Za-z0-9._:+/=-]+")


def client_request_id(header: str | None) -> str:
    """The client's request id if it is a plain token (letters, digits, ``._:+/=-``), else ''."""
    if not header or not _SAFE_TOKEN.fullmatch(header):
        return ""
    return header[:CLIENT_REQUEST_ID_MAX_CHARS]


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4())
        actor = _session_actor(request)
        with execution_context(
            actor=actor,
            request_id=request_id,
            correlation_id=request_id,
            client_request_id=client_request_id(request.headers.get("X-Request-ID")),
        ):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def _session_actor(request: HttpRequest) -> str:
    """The signed-in user's name for the request's context, or ``anonymous``.

    A request that presents ``Authorization`` (an API token) is authenticated by the API view,
    and the services it calls name that user as the actor of what they write and log; resolving
    the session's user here too would cost two queries (session, user) for a name nobody reads.
    """
    if "authorization" in request.headers:
        return "anonymous"
    user = getattr(request, "user", None)
    return user.get_username() if user is not None and user.is_authenticated else "anonymous"
