"""Benchmark: the server's resident memory while it receives a 1 GB video and refuses a 256 MB one.

Starts the real server (``python -m clinic.config.serve``, as ``make run``) on PostgreSQL with the
demo practice, signs in as the demo therapist ``amorgan`` (API token) and, sampling the server
process's resident set size (``VmRSS``) every 20 ms:

1. uploads a 1 GB video resumably (tus, 64 MiB pieces): a valid one-second clip followed by an MP4
   ``free`` box filled on the fly (random first bytes, so every run is new content), until the
   analysis is requested; the analysis is not run (Celery sends to an in-memory broker);
2. uploads a 1 GB video of the same make in one multipart request (``.../videos/``);
3. sends an anonymous 256 MB multipart POST to a ``.../videos/`` URL, all of it, as a client that
   does not wait for an answer would, and notes how much it had sent when the answer came.

Anchor: the server's RSS after warm-up (a small upload of each kind), measured in the same run.
Growth is the peak during the transfer minus that anchor. Target (issue 11): under 100 MB.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic python bench/uploads.py``. The
database named by ``--database`` (default ``bench_uploads``) on that server is dropped and created.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from clinic.config import serve  # noqa: E402
from tests.synthetic_video import free_box_header, write_video  # noqa: E402

MB = 1024 * 1024
BLOCK = MB
USERNAME, PASSWORD = "amorgan", "demo-pass-2026"
TUS = {"Tus-Resumable": "1.0.0"}


class RssSampler:
    """Peak resident set size of one process, sampled on a thread."""

    def __init__(self, pid: int, *, interval_s: float = 0.02) -> None:
        self.pid, self.interval_s = pid, interval_s
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, self.rss_kb())
            time.sleep(self.interval_s)

    def __enter__(self) -> RssSampler:
        self.peak_kb = self.rss_kb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, self.rss_kb())


class Video:
    """A valid clip of ``size`` bytes: a one-second 64x48 MP4, then a ``free`` box, made on the fly."""

    def __init__(self, folder: Path, size: int) -> None:
        clip = write_video(
            folder / f"clip-{uuid.uuid4().hex}.mp4", width_px=64, height_px=48, fps=30, frames=30
        )
        head = clip.read_bytes()
        self.head = head + free_box_header(size - len(head) - 8) + os.urandom(64)
        self.size = size

    def blocks(self, start: int, end: int) -> Iterator[bytes]:
        zeros = bytes(BLOCK)
        offset = start
        while offset < end:
            n = min(BLOCK, end - offset)
            if offset < len(self.head):
                piece = self.head[offset : offset + n]
                piece += zeros[: n - len(piece)]
            else:
                piece = zeros[:n]
            yield piece
            offset += n


def request(
    port: int, method: str, path: str, headers: dict[str, str], body: Iterator[bytes] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.putrequest(method, path, skip_accept_encoding=True)
    for name, value in headers.items():
        conn.putheader(name, value)
    conn.endheaders()
    for block in body or ():
        conn.send(block)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def tus_upload(port: int, auth: dict[str, str], visit_path: str, video: Video, *, piece: int) -> str:
    metadata = ",".join(
        f"{k} {base64.b64encode(v.encode()).decode()}"
        for k, v in {"filename": "walk.mp4", "activity": "gait", "model": "lite"}.items()
    )
    status, headers, body = request(
        port, "POST", visit_path + "uploads/",
        {**auth, **TUS, "Upload-Length": str(video.size), "Upload-Metadata": metadata, "Content-Length": "0"},
    )  # fmt: skip
    assert status == 201, (status, body)
    location, offset = headers["location"], 0
    while offset < video.size:
        end = min(offset + piece, video.size)
        status, headers, body = request(
            port, "PATCH", location,
            {**auth, **TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream",
             "Content-Length": str(end - offset)},
            video.blocks(offset, end),
        )  # fmt: skip
        assert status == 204, (status, body)
        offset = int(headers["upload-offset"])
    return headers["analysis-id"]


def multipart(video: Video, boundary: str) -> tuple[int, Iterator[bytes]]:
    fields = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in {"model": "lite", "activity": "gait", "refine_3d": "false"}.items()
    )
    head = (
        fields
        + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="walk.mp4"\r\n'
            "Content-Type: video/mp4\r\n\r\n"
        ).encode()
    )
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body() -> Iterator[bytes]:
        yield head
        yield from video.blocks(0, video.size)
        yield tail

    return len(head) + video.size + len(tail), body()


def multipart_upload(port: int, auth: dict[str, str], visit_path: str, video: Video) -> str:
    boundary = uuid.uuid4().hex
    length, body = multipart(video, boundary)
    status, _, data = request(
        port, "POST", visit_path + "videos/",
        {**auth, "Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(length)},
        body,
    )  # fmt: skip
    assert status == 202, (status, data)
    return str(json.loads(data)["analysis_id"])


def refused_upload(port: int, visit_path: str, video: Video) -> tuple[int, int]:
    """(status, body bytes sent when the answer arrived); sends the whole body regardless."""
    boundary = uuid.uuid4().hex
    length, body = multipart(video, boundary)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            (
                f"POST {visit_path}videos/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\n\r\n"
            ).encode()
        )
        sent, answered_at, answer = 0, -1, b""
        # A second for an answer to the headers alone, then the body regardless (as curl without
        # Expect: 100-continue does); a server that reads before deciding answers only later.
        if select.select([sock], [], [], 1.0)[0]:
            answered_at, answer = 0, sock.recv(65536)
        for block in body:
            if answered_at < 0 and select.select([sock], [], [], 0)[0]:
                answered_at, answer = sent, sock.recv(65536)
            try:
                sock.sendall(block)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(block)
        if answered_at < 0:
            answered_at, answer = sent, sock.recv(65536)
    return int(answer.split(b" ", 2)[1]), answered_at


def fresh_database(url: str, name: str) -> str:
    import psycopg

    server = urlparse(url)
    admin = urlunparse(server._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(server._replace(path=f"/{name}"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="accepted uploads, MiB")
    parser.add_argument("--refused-mb", type=int, default=256, help="the anonymous upload, MiB")
    parser.add_argument("--piece-mb", type=int, default=64, help="tus PATCH size, MiB")
    parser.add_argument(
        "--database", default="bench_uploads", help="dropped and created on DATABASE_URL's server"
    )
    args = parser.parse_args()
    database_url = fresh_database(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clinic"), args.database
    )
    with tempfile.TemporaryDirectory(prefix="bench-uploads-") as tmp:
        folder = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
        env.update(
            DATABASE_URL=database_url,
            DATA_DIR=str(folder / "data"),
            DJANGO_SETTINGS_MODULE="clinic.config.settings",
            MAX_UPLOAD_BYTES=str((args.size_mb + 64) * MB),
            CELERY_BROKER_URL="memory://",  # requested, never run: the bench measures the upload
            CELERY_RESULT_BACKEND="cache+memory://",
            CELERY_TASK_ALWAYS_EAGER="false",
            ANALYSIS_DISPATCH="queue",
            SERVER_LOG_LEVEL="warning",
        )
        for command in (["migrate", "--noinput", "-v", "0"], ["load_demo", "--if-empty"]):
            subprocess.run(
                [sys.executable, "manage.py", *command], cwd=REPO, env=env, check=True, capture_output=True
            )
        with serve.running(env=env, log=folder / "server.log") as served:
            port = served.port
            status, _, body = request(
                port, "POST", "/api/auth/token/",
                {"Content-Type": "application/json", "Content-Length": str(len(
                    payload := json.dumps({"username": USERNAME, "password": PASSWORD}).encode()))},
                iter([payload]),
            )  # fmt: skip
            assert status == 200, body
            auth = {"Authorization": f"Token {json.loads(body)['token']}"}
            patient = json.loads(request(port, "GET", "/api/patients/", auth)[2])
            patient_id = (patient["results"] if isinstance(patient, dict) else patient)[0]["patient_id"]
            visits = json.loads(request(port, "GET", f"/api/patients/{patient_id}/visits/", auth)[2])
            visit_id = (visits["results"] if isinstance(visits, dict) else visits)[0]["visit_id"]
            visit_path = f"/api/patients/{patient_id}/visits/{visit_id}/"

            # Warm-up: one small upload of each kind (imports, decoder, first allocations).
            tus_upload(port, auth, visit_path, Video(folder, 2 * MB), piece=MB)
            multipart_upload(port, auth, visit_path, Video(folder, 2 * MB))
            refused_upload(port, visit_path, Video(folder, 2 * MB))
            sampler = RssSampler(served.process.pid)
            anchor_kb = sampler.rss_kb()

            results: dict[str, float] = {}
            for name, run in (
                ("tus", lambda: tus_upload(port, auth, visit_path, Video(folder, args.size_mb * MB), piece=args.piece_mb * MB)),
                ("multipart", lambda: multipart_upload(port, auth, visit_path, Video(folder, args.size_mb * MB))),
            ):  # fmt: skip
                started = time.monotonic()
                with RssSampler(served.process.pid) as sampled:
                    analysis_id = run()
                seconds = time.monotonic() - started
                results[name] = (sampled.peak_kb - anchor_kb) / 1024
                print(
                    f"{name:9} {args.size_mb} MiB accepted in {seconds:5.1f} s ({args.size_mb / seconds:5.0f} MiB/s), "
                    f"analysis {analysis_id[:8]} requested; server RSS {anchor_kb / 1024:.0f} MB -> peak "
                    f"{sampled.peak_kb / 1024:.0f} MB (+{results[name]:.0f} MB)"
                )
            with RssSampler(served.process.pid) as sampled:
                status, answered_at = refused_upload(port, visit_path, Video(folder, args.refused_mb * MB))
            refused = (sampled.peak_kb - anchor_kb) / 1024
            print(
                f"anonymous {args.refused_mb} MiB POST answered {status} after {answered_at / MB:.1f} MiB of its body "
                f"(all sent); server RSS peak +{refused:.0f} MB"
            )
    growth = max(results.values())
    print(f"\nanchor: server RSS after warm-up {anchor_kb / 1024:.0f} MB")
    print(f"target (growth < 100 MB): {'met' if growth < 100 and refused < 100 else 'NOT met'}")
    print(f"upload_rss_growth_mb: {growth:.0f}")
    print(f"tus_upload_rss_growth_mb: {results['tus']:.0f}")
    print(f"multipart_upload_rss_growth_mb: {results['multipart']:.0f}")
    print(f"refused_upload_rss_growth_mb: {refused:.0f}")
    print(f"refused_upload_sent_before_answer_mb: {answered_at / MB:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
