"""The Swagger UI at /api/docs/, for signed-in users only.

The split view serves the UI's start-up script from ``?script`` instead of inline, so the page
runs under the Content-Security-Policy without 'unsafe-inline' (its one inline ``<style>`` is
replaced by a static file in templates/drf_spectacular/swagger_ui.html).
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBase
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.permissions import IsAuthenticated


class DocsView(SpectacularSwaggerSplitView):
    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc: Exception) -> HttpResponseBase:
        # A browser page: an anonymous visitor is sent to sign in, as every other page does.
        if isinstance(exc, NotAuthenticated | AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
