"""The web server: Uvicorn serving :mod:`clinic.config.asgi` (HTTP through Django, WebSockets through
Channels). ``make run`` starts it as ``python -m clinic.config.serve --port 8000``; tests and benches
start the same command with :func:`running`.

Why Uvicorn rather than Daphne: Daphne hands a request to the application only after Twisted has
received the whole body and queues every body chunk at once, so a 1 GB upload is held in memory
whatever the application does, and nothing can refuse it by its headers first. Uvicorn streams the
body with flow control (it stops reading the socket while 64 KiB wait unread), so the outermost
middleware (:mod:`clinic.config.body_limits`) can answer from the headers before any body is read
and Django spools accepted bodies to disk as they arrive. Daphne stays installed for ``runserver``.

WebSocket messages up to :data:`WS_MAX_MESSAGE_BYTES` (the live protocol's transport limit, twice
its advertised frame size) reach the consumers, which answer oversized ones with an error message;
beyond it the server closes the connection (1009).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from capture import protocol

APPLICATION = "clinic.config.asgi:application"
WS_MAX_MESSAGE_BYTES = protocol.TRANSPORT_MAX_MESSAGE_BYTES
REPO = Path(__file__).resolve().parents[2]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m clinic.config.serve", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--log-level", default=os.environ.get("SERVER_LOG_LEVEL", "info"))
    args = parser.parse_args(argv)
    import uvicorn

    uvicorn.run(
        APPLICATION,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        lifespan="off",  # Channels' router has no lifespan protocol
        proxy_headers=False,  # as Daphne: X-Forwarded-* are not trusted unless a proxy is configured
        server_header=False,
        ws_max_size=WS_MAX_MESSAGE_BYTES,
    )


def command(*, port: int, host: str = "127.0.0.1", preload: Sequence[str] = ()) -> list[str]:
    """The server's command line; ``preload`` modules are imported first (tests' Celery apps)."""
    argv = ["--host", host, "--port", str(port)]
    if not preload:
        return [sys.executable, "-m", "clinic.config.serve", *argv]
    imports = "".join(f"import {name}; " for name in preload)
    return [sys.executable, "-c", f"{imports}from clinic.config.serve import main; main({argv!r})"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Served:
    url: str
    port: int
    process: subprocess.Popen[bytes]


@contextmanager
def running(
    *, env: Mapping[str, str], log: Path, preload: Sequence[str] = (), timeout_s: float = 60.0
) -> Iterator[Served]:
    """Start the server in a child process on a free port, wait until it accepts connections,
    stop it on exit. Output goes to ``log``; a server that does not start fails with its log."""
    port = free_port()
    with log.open("wb") as handle:
        process = subprocess.Popen(
            command(port=port, preload=preload),
            cwd=REPO,
            env=dict(env),
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(
                        "the server did not start: " + log.read_text(errors="replace")[-2000:]
                    ) from None
                time.sleep(0.2)
        yield Served(f"http://127.0.0.1:{port}", port, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
