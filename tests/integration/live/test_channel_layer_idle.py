"""The production channel layer keeps an idle consumer waiting, however long nothing comes.

With redis-py 8's default 5 s socket timeout and channels-redis's 5 s blocking receive, a consumer
that waited 5 s for its first message died with ``redis.exceptions.TimeoutError`` (the visit page
then never saw an analysis's progress). Needs Redis; fails under CI=true without it.
"""

from __future__ import annotations

import asyncio
import uuid

from django.utils.module_loading import import_string

from clinic.config.channel_layer import BLOCKING_RECEIVE_S, redis_channel_layer


def test_a_receive_outlasts_the_blocking_wait_and_still_gets_its_message(redis_url: str) -> None:
    config = redis_channel_layer(redis_url, prefix=f"test-idle-{uuid.uuid4().hex[:8]}")
    layer = import_string(config["BACKEND"])(**config["CONFIG"])  # as Channels builds it from the settings

    async def wait_then_send() -> dict[str, str]:
        channel = await layer.new_channel()
        receiving = asyncio.ensure_future(layer.receive(channel))
        # Longer than one blocking receive (and than redis-py's default socket timeout).
        await asyncio.sleep(BLOCKING_RECEIVE_S + 2)
        assert not receiving.done(), receiving.exception() if receiving.done() else None
        await layer.send(channel, {"type": "progress", "status": "running"})
        message: dict[str, str] = await asyncio.wait_for(receiving, timeout=BLOCKING_RECEIVE_S + 5)
        await layer.flush()
        return message

    assert asyncio.run(wait_then_send()) == {"type": "progress", "status": "running"}
