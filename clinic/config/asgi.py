"""ASGI entry point: HTTP through Django, WebSockets through Channels.

HTTP passes :class:`clinic.config.body_limits.BodyLimits` first, which refuses bodies a route does
not accept from the headers alone, before any of the body is read (served by Uvicorn, which reads
the body only as the application asks for it: :mod:`clinic.config.serve`).

Django then serves HTTP as a WSGI application in a fixed pool of ``HTTP_THREADS`` threads, bridged
by a2wsgi: every view and middleware of the project is synchronous, and Django's ASGI handler
would start a thread for each request and cross between the event loop and threads three or four
times in it (django-axes' middleware is asynchronous, the rest is not). That cost 2 to 3 ms of CPU
per request, a third of a cached chart (bench/load.py). a2wsgi reads the body only as Django asks
for it, so large uploads still stream. A request holds its thread until it ends (a slow upload
too), so the pool is sized for the longest concurrent requests a practice makes, beyond the
database pool (clinic/config/serve.py): threads waiting on the network use no CPU.
"""

from __future__ import annotations

import os

from a2wsgi import WSGIMiddleware
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.config.settings")
django_wsgi_app = get_wsgi_application()  # sets Django up: the imports below need the app registry

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from clinic.config.body_limits import BodyLimits  # noqa: E402
from clinic.config.websocket_routes import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": BodyLimits(WSGIMiddleware(django_wsgi_app, workers=settings.HTTP_THREADS)),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
