"""The Channels layer on Redis, configured once for the settings and the tests.

redis-py 8 gives every connection a 5 s ``socket_timeout`` by default, and channels-redis waits
for messages with ``BZPOPMIN`` blocking for exactly 5 s (``brpop_timeout``): the read of an idle
consumer's wait then times out on the client as the server answers, and the WebSocket consumer
dies with ``redis.exceptions.TimeoutError`` (a visit page stopped receiving analysis progress).
The socket timeout must be longer than the blocking wait.
"""

from __future__ import annotations

from typing import Any

#: channels-redis's blocking receive (``RedisChannelLayer.brpop_timeout``), seconds.
BLOCKING_RECEIVE_S = 5
#: Reads and writes on the layer's connections give up after this long: longer than the blocking
#: receive, short enough that a Redis that stopped answering is noticed.
SOCKET_TIMEOUT_S = 3 * BLOCKING_RECEIVE_S
REDIS_LAYER = "channels_redis.core.RedisChannelLayer"


def redis_channel_layer(redis_url: str, *, prefix: str = "asgi") -> dict[str, Any]:
    """The ``CHANNEL_LAYERS["default"]`` entry for Redis at ``redis_url``."""
    host = {
        "address": redis_url,
        "socket_timeout": SOCKET_TIMEOUT_S,
        "socket_connect_timeout": BLOCKING_RECEIVE_S,
    }
    return {"BACKEND": REDIS_LAYER, "CONFIG": {"hosts": [host], "prefix": prefix}}
