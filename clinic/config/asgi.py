"""ASGI entry point: HTTP through Django, WebSockets through Channels.

HTTP passes :class:`clinic.config.body_limits.BodyLimits` first, which refuses bodies a route does
not accept from the headers alone, before any of the body is read (served by Uvicorn, which reads
the body only as the application asks for it: :mod:`clinic.config.serve`).
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs the app registry)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from clinic.config.body_limits import BodyLimits  # noqa: E402
from clinic.config.websocket_routes import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": BodyLimits(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
