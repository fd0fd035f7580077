"""WebSocket messages over the advertised limits get an error message through the real server.

A server closes the connection (1009) on a message over its own limit (Daphne's default, 1 MiB, is
below the live page's advertised 2 MiB frame limit: a 1.5 MiB frame was accepted by the protocol
and silently dropped with the connection). The server here is the one ``make run`` starts
(:mod:`clinic.config.serve`, with its WebSocket limit), in the embedded configuration.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from capture import protocol
from clinic.config import serve
from tests.e2e.embedded_server import REPO, Served, served


def test_the_servers_transport_limit_is_the_protocols() -> None:
    run = re.search(r"^run:.*?(?=^\S)", (REPO / "Makefile").read_text(), re.MULTILINE | re.DOTALL)
    assert run and "-m clinic.config.serve" in run.group(0), "make run starts clinic.config.serve"
    assert serve.WS_MAX_MESSAGE_BYTES == protocol.TRANSPORT_MAX_MESSAGE_BYTES
    assert protocol.TRANSPORT_MAX_MESSAGE_BYTES > protocol.MAX_FRAME_BYTES > protocol.MAX_TEXT_BYTES


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served(tmp_path_factory.mktemp("frames")) as server:
        yield server


def _connect(server: Served, path: str) -> Any:
    return connect(
        f"ws://127.0.0.1:{server.port}{path}",
        origin=f"http://127.0.0.1:{server.port}",  # type: ignore[arg-type]
        additional_headers={"Cookie": f"sessionid={server.session}"},
        max_size=None,
        open_timeout=10,
    )


async def _next(ws: ClientConnection, kind: str) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=20))
        if message.get("type") == kind:
            return message  # type: ignore[no-any-return]


def test_live_frames_over_the_advertised_limit_get_an_error_and_the_connection_stays(server: Served) -> None:
    async def scenario() -> None:
        async with _connect(server, f"/ws/capture/{server.patient}/") as ws:
            ready = await _next(ws, "ready")
            assert ready["max_frame_bytes"] == protocol.MAX_FRAME_BYTES
            assert ready["max_text_bytes"] == protocol.MAX_TEXT_BYTES
            header = protocol.encode_frame(b"", seq=1, client_ms=1.0)
            for size in (
                int(1.5 * 2**20),
                protocol.MAX_FRAME_BYTES + 1,
                protocol.TRANSPORT_MAX_MESSAGE_BYTES,
            ):
                # 1.5 MiB is within the advertised limit: the frame is read (and is no image).
                await ws.send(header + b"\xff\xd8\xff" + b"\x00" * (size - len(header) - 3))
                error = await _next(ws, "error")
                expected = "bad_image" if size <= protocol.MAX_FRAME_BYTES else "frame_too_large"
                assert error["code"] == expected, (size, error)
            # Text is limited in UTF-8 bytes: fewer characters than the limit, more bytes.
            padded = json.dumps({"type": "ping", "t": 1, "pad": "é" * (protocol.MAX_TEXT_BYTES // 2 + 1)})
            await ws.send(padded)
            assert (await _next(ws, "error"))["code"] == "message_too_large"
            await ws.send(json.dumps({"type": "ping", "t": 7}))
            assert (await _next(ws, "pong"))["t"] == 7
            # Beyond what the transport reads at all, the server ends the connection ("message too big",
            # 1009, when its close frame arrives before the socket is torn down).
            await ws.send(b"\x00" * (protocol.TRANSPORT_MAX_MESSAGE_BYTES + 1))
            with pytest.raises(ConnectionClosed) as closed:
                await _next(ws, "error")
            assert closed.value.rcvd is None or closed.value.rcvd.code == 1009

    asyncio.run(scenario())


def test_progress_socket_answers_any_message_with_an_error(server: Served) -> None:
    async def scenario() -> None:
        async with _connect(server, f"/ws/patients/{server.patient}/visits/{server.visit}/analyses/") as ws:
            for message in (b"\x00" * (3 * 2**20), "{not json", json.dumps({"type": "hello"})):
                await ws.send(message)
                error = await _next(ws, "error")
                assert error["code"] == "not_accepted" and error["message"].endswith(".")

    asyncio.run(scenario())
