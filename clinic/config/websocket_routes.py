"""WebSocket routes of every app, gathered in one list for the ASGI router."""

from __future__ import annotations

from django.urls import URLPattern, path

from clinic.web.capture_consumer import LiveCaptureConsumer
from clinic.web.consumers import AnalysisProgressConsumer

websocket_urlpatterns: list[URLPattern] = [
    # live capture of a patient (messages in capture.protocol)
    path("ws/capture/<uuid:patient_id>/", LiveCaptureConsumer.as_asgi()),
    # progress of a visit's offline analyses
    path(
        "ws/patients/<uuid:patient_id>/visits/<uuid:visit_id>/analyses/", AnalysisProgressConsumer.as_asgi()
    ),
]
