"""Response headers for everything Django answers: no caching, and the CSP's WebSocket origin.

Static files never pass through here: WhiteNoise, earlier in ``MIDDLEWARE``, answers them
first (with their long cache lifetimes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response.

    Pages, PDFs, CSV, JSON, FHIR bundles, landmark sequences and API answers may all carry
    patient data, and none of it may stay in a browser's or a proxy's cache. One blanket rule,
    because a list of "patient" views would silently miss the next one added.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if iscoroutinefunction(self):
            return self._acall(request)
        return self._no_store(self.get_response(request))

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        return self._no_store(await self.get_response(request))

    @staticmethod
    def _no_store(response: HttpResponseBase) -> HttpResponseBase:
        response["Cache-Control"] = "no-store"
        return response


class WebSocketCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with this host's own WebSocket origin added to ``connect-src``.

    'self' covers ws:/wss: to the same host only in CSP Level 3 browsers, and a bare ``ws:`` or
    ``wss:`` source would let a page open sockets to any host; the request's host (validated
    against ALLOWED_HOSTS by ``get_host``) is the narrow form the live and visit pages need.
    """

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts
        scheme = "wss" if request.is_secure() else "ws"
        update = dict(parts.update or {})
        update["connect-src"] = [*update.get("connect-src", ()), f"{scheme}://{host}"]
        parts.update = update
        return parts
