"""WebSocket routes of every app, gathered in one list for the ASGI router."""

from __future__ import annotations

websocket_urlpatterns: list = []

from capture.routing import websocket_urlpatterns as _capture_routes  # noqa: E402

websocket_urlpatterns += _capture_routes  # /ws/capture/<patient id>/ (live capture)

from django.urls import path  # noqa: E402

from clinic.web.consumers import AnalysisProgressConsumer  # noqa: E402

websocket_urlpatterns.append(  # progress of a visit's offline analyses
    path("ws/patients/<uuid:patient_id>/visits/<uuid:visit_id>/analyses/", AnalysisProgressConsumer.as_asgi())
)
