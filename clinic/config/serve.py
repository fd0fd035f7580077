"""The web server: Uvicorn serving :mod:`clinic.config.served` (HTTP through Django, WebSockets through
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

Processes (:func:`worker_count`): Django runs each request's sync code in a thread of one Python
process, so one process uses about one core however many requests wait. With a shared channel layer
(``REDIS_URL``) the server runs ``WEB_CONCURRENCY`` processes on one socket, by default one per
usable core. The embedded mode stays one process: its in-memory channel layer holds WebSocket groups
per process (an analysis' progress, sent by the process that runs it, would not reach a page
connected to another), and its analysis thread (``ANALYSIS_DISPATCH=thread``) takes up the analyses
left ``requested`` when it starts, which in a second process would be ones the first is running.
"""

from __future__ import annotations

import argparse
import importlib
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

APPLICATION = "clinic.config.served:application"  # asgi.py's, start-up objects out of the GC
IN_MEMORY_LAYER = "channels.layers.InMemoryChannelLayer"
#: PostgreSQL connections per server process (``DB_POOL_SIZE``, clinic/config/settings.py). A request
#: holds one from its first query to its end; requests beyond it wait for one without competing for
#: the interpreter. Every thread that competes makes the others wait longer for it after each query
#: (bench/load.py, 2 processes: p95 about 160 ms with 4, 200 to 270 ms with 8), and a handful of
#: requests is enough to keep one core busy while others wait on the database. The cost: a long
#: request (a PDF report, about a second) holds its connection that long.
DEFAULT_DB_POOL_SIZE = 4
WS_MAX_MESSAGE_BYTES = protocol.TRANSPORT_MAX_MESSAGE_BYTES
REPO = Path(__file__).resolve().parents[2]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m clinic.config.serve", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--log-level", default=os.environ.get("SERVER_LOG_LEVEL", "info"))
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="server processes (default: WEB_CONCURRENCY, see worker_count)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DB_POOL_SIZE", str(DEFAULT_DB_POOL_SIZE))  # before the settings are read
    try:
        workers = worker_count(requested=args.workers, environ=os.environ, **_settings())
    except ValueError as exc:
        parser.exit(2, f"{parser.prog}: {exc}\n")
    import uvicorn

    uvicorn.run(
        APPLICATION,
        host=args.host,
        port=args.port,
        workers=workers,
        log_level=args.log_level,
        lifespan="off",  # Channels' router has no lifespan protocol
        proxy_headers=False,  # as Daphne: X-Forwarded-* are not trusted unless a proxy is configured
        server_header=False,
        ws_max_size=WS_MAX_MESSAGE_BYTES,
    )


def worker_count(
    *, requested: int | None, environ: Mapping[str, str], channel_layer: str, analysis_dispatch: str
) -> int:
    """How many server processes: ``requested`` (``--workers``), else ``WEB_CONCURRENCY``, else one
    per usable core when the processes can share WebSocket groups and analyses, else one.

    More than one with the in-memory channel layer or the in-process analysis thread is refused
    (ValueError with the reason), because pages would silently miss progress messages.
    """
    shareable = channel_layer != IN_MEMORY_LAYER and analysis_dispatch != "thread"
    value: object = requested if requested is not None else environ.get("WEB_CONCURRENCY", "").strip()
    if value in (None, ""):
        return _usable_cores() if shareable else 1
    try:
        count = int(str(value))
    except ValueError:
        raise ValueError(f"WEB_CONCURRENCY must be a whole number of processes, not {value!r}.") from None
    if count < 1:
        raise ValueError(f"WEB_CONCURRENCY must be at least 1, not {count}.")
    if count > 1 and not shareable:
        raise ValueError(
            f"{count} server processes need REDIS_URL (a channel layer they share) and an "
            "ANALYSIS_DISPATCH other than thread; the embedded mode serves with one process."
        )
    return count


def _usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _settings() -> dict[str, str]:
    """The two settings :func:`worker_count` needs, read without setting up Django."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.config.settings")
    module = importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    return {
        "channel_layer": module.CHANNEL_LAYERS["default"]["BACKEND"],
        "analysis_dispatch": str(module.ANALYSIS_DISPATCH),
    }


def command(*, port: int, host: str = "127.0.0.1", preload: Sequence[str] = ()) -> list[str]:
    """The server's command line; ``preload`` modules are imported first (tests' Celery apps), in
    the one server process (a second process would start without them)."""
    argv = ["--host", host, "--port", str(port)]
    if not preload:
        return [sys.executable, "-m", "clinic.config.serve", *argv]
    argv += ["--workers", "1"]
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
