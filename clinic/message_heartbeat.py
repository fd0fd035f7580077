"""Keep a running task's broker message fresh, so that the visibility timeout can be short.

With the Redis broker, a message a worker has taken but not acknowledged (our tasks acknowledge
late) sits in the sorted set ``unacked_index`` scored by when it was delivered; any worker puts it
back in the queue once that score is older than the visibility timeout. A killed worker's message
is therefore redelivered after the visibility timeout, but so is the message of a task that simply
runs longer than it: an analysis of a ten-minute video would be started again by a second worker
while the first is still working, unless the timeout were longer than the longest analysis (hours
at the limits of ``MAX_VIDEO_*``), and then a killed worker's job would wait that long.

Instead, a thread of the worker's main process re-scores the messages of the tasks it has reserved
or is running to "now" every quarter of the visibility timeout (``ZADD XX``: only while a message
is still there; any pool, since the main process knows its requests). A running task's message never looks
abandoned; a killed worker's message is handed out again within ``ANALYSIS_REDELIVERY_S`` (the
visibility timeout) plus the transport's restore interval. Other brokers: nothing to do (AMQP
brokers redeliver when the worker's connection closes).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

# kombu's Redis transport defaults (we do not set unacked_index_key or global_keyprefix).
UNACKED_INDEX_KEY = "unacked_index"


def start(*, broker_url: str, visibility_timeout_s: float) -> threading.Thread | None:
    """In a worker's main process: keep the messages of its reserved and running tasks fresh.

    Returns the daemon thread, or None when the broker is not Redis.
    """
    if not broker_url.startswith(("redis://", "rediss://")):
        return None
    import redis
    from celery.worker import state

    client: Any = redis.Redis.from_url(broker_url, socket_timeout=5, socket_connect_timeout=5)
    interval_s = max(0.5, visibility_timeout_s / 4)

    def beat() -> None:
        while True:
            time.sleep(interval_s)
            tags = [r.message.delivery_tag for r in list(state.reserved_requests) if r.message is not None]
            if not tags:
                continue
            try:
                now = time.time()
                client.zadd(UNACKED_INDEX_KEY, dict.fromkeys(tags, now), xx=True)
            except redis.RedisError as exc:  # the broker is away: the worker reconnects on its own
                log.warning("could not refresh the messages of the running tasks (%s)", exc)

    thread = threading.Thread(target=beat, name="message-heartbeat", daemon=True)
    thread.start()
    return thread
