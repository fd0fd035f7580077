"""Through the real server (as ``make run`` starts it): a refused upload is answered from its headers,
before the client has sent any of its body.

Under Daphne the anonymous 256 MB POST below got no answer until all of it had arrived (and the
server had grown by ~3 GB); here the answer comes while the body is still unsent.
"""

from __future__ import annotations

import http.client
import json
import os
import select
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinic.config import serve

MB = 1024 * 1024
VIDEOS = f"/api/patients/{uuid.uuid4()}/visits/{uuid.uuid4()}/videos/"


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    tmp = tmp_path_factory.mktemp("refusal")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DATA_DIR=str(tmp / "data"),
        DJANGO_SETTINGS_MODULE="clinic.config.settings",
        SERVER_LOG_LEVEL="warning",
    )
    with serve.running(env=env, log=tmp / "server.log") as served:
        yield served.port


def _answer_to_headers(port: int, head: str, *, body_bytes: int) -> tuple[int, dict[str, object], int]:
    """Send ``head``, wait up to 5 s for an answer with no body sent, then send up to ``body_bytes``
    of it; (status, JSON body, body bytes sent before the answer)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        sent = 0
        readable = select.select([sock], [], [], 5.0)[0]
        while not readable and sent < body_bytes:
            sock.sendall(bytes(MB))
            sent += MB
            readable = select.select([sock], [], [], 0.05)[0]
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, json.loads(response.read()), sent


def test_anonymous_256_mb_upload_is_answered_before_its_body_is_sent(port: int) -> None:
    head = (
        f"POST {VIDEOS} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {256 * MB}\r\n\r\n"
    )
    status, body, sent = _answer_to_headers(port, head, body_bytes=256 * MB)
    assert (status, body["code"], sent) == (401, "not_authenticated", 0)


def test_oversize_and_lengthless_bodies_are_answered_before_they_are_sent(port: int) -> None:
    status, body, sent = _answer_to_headers(
        port,
        f"POST /api/caseload/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {64 * MB}\r\n\r\n",
        body_bytes=64 * MB,
    )
    assert (status, body["code"], sent) == (413, "too_large", 0)
    status, body, sent = _answer_to_headers(
        port,
        f"PATCH {VIDEOS} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        body_bytes=0,
    )
    assert (status, body["code"]) == (411, "length_required")


def test_the_server_is_the_one_make_run_starts() -> None:
    makefile = (Path(serve.REPO) / "Makefile").read_text()
    assert "$(PY) -m clinic.config.serve" in makefile
