"""Refuse request bodies before reading them: the outermost ASGI middleware for HTTP.

Every request that carries a body is judged from its headers alone, before a byte of the body is
received (the server, Uvicorn, reads the socket only as the application asks for it):

* upload routes (:data:`UPLOAD_ROUTES`) need a ``Content-Length`` (411 without one) and an
  authenticated user (API: 401 JSON; the page form: a redirect to the login page), and refuse a
  length above ``MAX_UPLOAD_BYTES`` (plus :data:`MULTIPART_OVERHEAD_BYTES` for multipart forms)
  with 413 ``{"code": "too_large"}`` (the page: a short HTML page);
* every other route refuses a ``Content-Length`` above ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (the most
  Django reads of a non-file body) with 413, and a body sent without a length is cut off with 413
  as soon as it passes that size.

This only refuses early: what passes is still authenticated, authorised and validated by Django.
The user check reuses Django's session store and the API's token authentication classes in a
thread, and costs one or two queries per upload request.
"""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote

from asgiref.sync import sync_to_async
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import Resolver404, get_resolver

from clinic.api.errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# URL name -> (who asks: "api" answers JSON, "page" answers HTML, multipart form or raw bytes).
UPLOAD_ROUTES: dict[str, tuple[str, bool]] = {
    "api-visit-videos": ("api", True),
    "api-visit-upload": ("api", False),  # a tus PATCH: the bytes themselves
    "visit": ("page", True),
}
# Form fields and part headers around the file in a multipart upload.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size < 1e9 else f"{size / 1e9:.2f} GB"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _upload_route(scope: Scope) -> tuple[str, bool] | None:
    path = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]  # as Django strips the script prefix before resolving
    try:
        match = get_resolver().resolve(path)
    except Resolver404:
        return None
    return UPLOAD_ROUTES.get(match.url_name or "")


def _authenticated(scope: Scope) -> bool:
    """Is there a logged-in, active user (session cookie) or a valid API token? Sync: runs in a thread."""
    from django.contrib.auth import get_user
    from django.contrib.sessions.backends.base import SessionBase
    from django.http import HttpRequest
    from django.http.cookie import parse_cookie
    from django.utils.module_loading import import_string
    from rest_framework.authentication import SessionAuthentication
    from rest_framework.exceptions import APIException
    from rest_framework.request import Request
    from rest_framework.settings import api_settings

    request = HttpRequest()
    for key, value in scope.get("headers", ()):
        name = key.decode("latin-1").upper().replace("-", "_")
        request.META[name if name in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{name}"] = value.decode(
            "latin-1"
        )
    client = scope.get("client") or ("", 0)
    request.META["REMOTE_ADDR"] = client[0]
    request.COOKIES = parse_cookie(request.META.get("HTTP_COOKIE", ""))
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if session_key:
        store: type[SessionBase] = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
        request.session = store(session_key)
        user = get_user(request)
        if user.is_authenticated and user.is_active:
            return True
    for authentication in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        if issubclass(authentication, SessionAuthentication):
            continue  # sessions were checked above (without CSRF: that is for Django to enforce)
        try:
            if authentication().authenticate(Request(request)):
                return True
        except APIException:
            return False
    return False


async def _respond(send: Send, status: int, body: bytes, content_type: str, **extra: str) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        (b"x-content-type-options", b"nosniff"),
        *((name.replace("_", "-").encode(), value.encode()) for name, value in extra.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _json(send: Send, status: int, code: str, message: str, **extra: str) -> None:
    body = json.dumps(error_body(code, message)).encode()
    await _respond(send, status, body, "application/json", **extra)


async def _page(send: Send, status: int, title: str, message: str, back: str) -> None:
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
        f'<p>{html.escape(message)}</p><p><a href="{html.escape(back)}">Back to the visit</a></p></body></html>'
    ).encode()
    await _respond(send, status, body, "text/html; charset=utf-8")


class BodyLimits:
    """ASGI middleware; wraps the HTTP application (WebSockets pass through untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        raw_length = _header(scope, b"content-length")
        chunked = _header(scope, b"transfer-encoding") is not None
        if raw_length is None and not chunked:
            return await self.app(scope, receive, send)  # no body
        try:
            length = int(raw_length) if raw_length is not None else None
        except ValueError:
            return await _json(send, 400, "invalid_input", "The Content-Length header is not a number.")
        if length == 0:
            return await self.app(scope, receive, send)
        route = _upload_route(scope)
        if route is not None:
            return await self._upload(scope, receive, send, route, length)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is None:
            return await self.app(scope, receive, send)
        if length is not None and length > limit:
            return await self._too_large(send, length, limit)
        if length is None:
            return await self._bounded(scope, receive, send, limit)
        return await self.app(scope, receive, send)

    async def _upload(
        self, scope: Scope, receive: Receive, send: Send, route: tuple[str, bool], length: int | None
    ) -> None:
        asker, multipart = route
        path = scope["path"]
        if length is None:
            message = "An upload needs a Content-Length header; send the file with its size."
            if asker == "api":
                return await _json(send, 411, "length_required", message)
            return await _page(send, 411, "The upload could not be read", message, path)
        if not await sync_to_async(_authenticated)(scope):
            if asker == "api":
                return await _json(
                    send, 401, "not_authenticated", "Log in or send an API token to upload.",
                    www_authenticate="Token",
                )  # fmt: skip
            login = f"{resolve_url(settings.LOGIN_URL)}?next={quote(path)}"
            return await _respond(send, 302, b"", "text/plain", location=login)
        limit = int(settings.MAX_UPLOAD_BYTES) + (MULTIPART_OVERHEAD_BYTES if multipart else 0)
        if length > limit:
            message = (
                f"This upload is {_megabytes(length)}; the largest video accepted is "
                f"{_megabytes(int(settings.MAX_UPLOAD_BYTES))}."
            )
            if asker == "api":
                return await _json(send, 413, "too_large", message)
            return await _page(send, 413, "The video is too large", message, path)
        return await self.app(scope, receive, send)

    async def _too_large(self, send: Send, length: int | None, limit: int) -> None:
        if length is None:
            message = f"The request body is longer than {_megabytes(limit)}, the most this address accepts."
        else:
            message = f"The request body is {_megabytes(length)}; the most this address accepts is {_megabytes(limit)}."
        await _json(send, 413, "too_large", message)

    async def _bounded(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """A body without a length: passed on while it stays within ``limit``, then cut off."""
        received, over, started = 0, False, False

        async def counted() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True  # Django sees a client that went away and answers nothing
                    return {"type": "http.disconnect"}
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted, watched)
        if over and not started:
            await self._too_large(send, None, limit)
