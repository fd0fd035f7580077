"""WebSocket routes of live capture (gathered in ``clinic.config.websocket_routes``)."""

from __future__ import annotations

from django.urls import path

from capture.consumers import LiveCaptureConsumer

websocket_urlpatterns = [
    path("ws/capture/<uuid:patient_id>/", LiveCaptureConsumer.as_asgi()),
]
