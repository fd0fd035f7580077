"""Benchmark: the caseload API and the patient page under 20 concurrent clients.

The real stack of ``make run`` on PostgreSQL: the server started by :mod:`clinic.config.serve` (the
same command), the demo practice loaded through the services (``load_demo``), projections inline.
``--clients`` threads (default 20), each with its own keep-alive connection and its own login,
alternate for ``--seconds`` (default 60) between ``GET /api/caseload/`` (token) and the chart of
one of their patients ``GET /patients/<id>/`` (session cookie). Half the clients are each demo
therapist. Every response must be 200; anything else (or a dropped connection) counts as an error.

Targets (issue 12): p95 under 150 ms for both, 0 errors. The latency is measured by the client, so
it includes the time a request waits behind the others: with 20 clients and 2 cores it is mostly
queueing. Anchor: the same two requests made one at a time before the load (``*_alone_p50_ms``),
so the ratio shows what concurrency costs.

Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/clinic_bench_load;
the database is dropped and created again). Without REDIS_URL the server runs as the embedded mode
does, in one process; with it (a Redis database of its own: the bench sends nothing to it but the
channel layer's traffic), as deployed with Redis: one process per core, or ``--workers`` /
WEB_CONCURRENCY (clinic/config/serve.py). ``server_processes`` says which.

Run: .venv/bin/python bench/load.py [--clients 20] [--seconds 60] [--workers N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/clinic_bench_load"
sys.path.insert(0, str(REPO))
THERAPISTS = ("amorgan", "jlee")
PASSWORD = "demo-pass-2026"


def _recreate_database(database_url: str) -> None:
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


class Client:
    """One user on one keep-alive connection: a token for the API, a session for the pages."""

    def __init__(self, port: int, username: str) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.token = self._token(username)
        self._log_in(username)

    def request(self, method: str, path: str, *, body: str | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:  # fmt: skip
        all_headers = dict(headers or {})
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                # The server closes keep-alive connections idle for 5 s: a GET is safe to send again.
                if attempt == 2 or method != "GET":
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data

    def _token(self, username: str) -> str:
        body = urllib.parse.urlencode({"username": username, "password": PASSWORD})
        status, data = self.request(
            "POST", "/api/auth/token/", body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        if status != 200:
            sys.exit(f"token for {username}: HTTP {status} {data[:200]!r}")
        token: str = json.loads(data)["token"]
        return token

    def _log_in(self, username: str) -> None:
        status, page = self.request("GET", "/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or match is None:
            sys.exit(f"login page: HTTP {status}")
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": match.group(1).decode(), "username": username, "password": PASSWORD}
        )
        status, _ = self.request(
            "POST", "/login/", body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{self.port}/login/"},
        )  # fmt: skip
        if status != 302 or "sessionid" not in self.cookies:
            sys.exit(f"log-in of {username}: HTTP {status}")

    def caseload(self) -> int:
        return self.request("GET", "/api/caseload/", headers={"Authorization": f"Token {self.token}"})[0]

    def patients(self) -> list[str]:
        status, data = self.request(
            "GET", "/api/caseload/?limit=500", headers={"Authorization": f"Token {self.token}"}
        )
        if status != 200:
            sys.exit(f"caseload: HTTP {status}")
        return [row["patient"]["patient_id"] for row in json.loads(data)["results"]]

    def patient_page(self, patient_id: str) -> int:
        return self.request("GET", f"/patients/{patient_id}/")[0]


def _server_processes(pid: int) -> int:
    """The processes serving requests: the server's worker processes if it started any, else itself."""
    workers = [
        p for p in Path("/proc").iterdir()
        if p.name.isdigit() and _parent(p) == pid and "spawn_main" in _cmdline(p)
    ]  # fmt: skip
    return max(1, len(workers))


def _parent(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _cpu_s(pid: int) -> float:
    """User plus system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_pids(pid: int) -> list[int]:
    return [pid] + [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _parent(p) == pid]


def _database_pids(database_url: str) -> list[int]:
    """The PostgreSQL backends serving the bench's database (the server's pools keep them open)."""
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,)).fetchall()
    return [row[0] for row in rows]


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]  # type: ignore[index]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=None, help="server processes (needs REDIS_URL for >1)")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    if not database_url.startswith("postgres"):
        sys.exit("bench/load.py needs PostgreSQL (DATABASE_URL).")
    _recreate_database(database_url)
    data_dir = Path(tempfile.mkdtemp(prefix="clinic-bench-load-"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "clinic.config.settings",
        "PYTHONPATH": str(REPO),
        "CELERY_QUEUE": "bench-load",  # nothing of this bench reaches another installation's workers
    }
    if args.workers is not None:
        env["WEB_CONCURRENCY"] = str(args.workers)
    manage = [sys.executable, str(REPO / "manage.py")]
    for step in (["migrate", "--noinput", "-v", "0"], ["load_demo"]):
        subprocess.run([*manage, *step], env=env, check=True, cwd=REPO, stdout=subprocess.DEVNULL)

    from clinic.config.serve import running

    with running(env=env, log=data_dir / "server.log") as served:
        clients = [Client(served.port, THERAPISTS[i % len(THERAPISTS)]) for i in range(args.clients)]
        processes = _server_processes(served.process.pid)  # once they answer requests
        own = {name: Client(served.port, name).patients() for name in THERAPISTS}
        alone: dict[str, list[float]] = {"caseload": [], "patient_page": []}
        for i in range(40):  # the anchor: one request at a time
            client = clients[i % len(THERAPISTS)]
            ids = own[THERAPISTS[i % len(THERAPISTS)]]
            for name, call in (("caseload", client.caseload), ("patient_page", lambda: client.patient_page(ids[i % len(ids)]))):  # noqa: B023  # fmt: skip
                started = time.perf_counter()
                call()
                alone[name].append((time.perf_counter() - started) * 1000)

        latencies: dict[str, list[float]] = {"caseload": [], "patient_page": []}
        errors: list[str] = []
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds

        def run(index: int, client: Client) -> None:
            ids = own[THERAPISTS[index % len(THERAPISTS)]]
            n = index
            while time.monotonic() < deadline:
                n += 1
                name = "caseload" if n % 2 else "patient_page"
                started = time.perf_counter()
                try:
                    status = (
                        client.caseload() if name == "caseload" else client.patient_page(ids[n % len(ids)])
                    )
                except (OSError, http.client.HTTPException) as exc:
                    status, detail = 0, repr(exc)
                else:
                    detail = f"HTTP {status}"
                elapsed_ms = (time.perf_counter() - started) * 1000
                with lock:
                    if status == 200:
                        latencies[name].append(elapsed_ms)
                    else:
                        errors.append(f"{name}: {detail}")

        # CPU time spent per request by each party, read from /proc: unlike the latencies it does not
        # depend on what else the machine runs, so it says what throughput 2 quiet cores would give.
        server_pids = _server_pids(served.process.pid)
        cpu_before = {
            "server": sum(_cpu_s(p) for p in server_pids),
            "client": time.process_time(),
        }
        threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(clients)]
        for thread in threads:
            thread.start()
        database_pids = _database_pids(database_url)  # the pools have opened their connections by now
        database_before = sum(_cpu_s(p) for p in database_pids)
        for thread in threads:
            thread.join()
        cpu_used = {
            "server": sum(_cpu_s(p) for p in server_pids) - cpu_before["server"],
            "database": sum(_cpu_s(p) for p in database_pids) - database_before,
            "client": time.process_time() - cpu_before["client"],
        }

    patients_total = sum(len(v) for v in own.values())
    print(
        f"{args.clients} clients for {args.seconds:.0f} s, demo practice ({patients_total} patients), PostgreSQL, "
        f"{'Redis' if env.get('REDIS_URL') else 'embedded'}"
    )
    for name, values in latencies.items():
        print(
            f"  {name}: {len(values)} requests, p50 {_p(values, 50):.1f} ms, p95 {_p(values, 95):.1f} ms, "
            f"alone p50 {statistics.median(alone[name]):.1f} ms"
        )
    if errors:
        print(f"  first errors: {errors[:5]}")
    print(f"caseload_p95_ms: {_p(latencies['caseload'], 95):.1f}")
    print(f"patient_page_p95_ms: {_p(latencies['patient_page'], 95):.1f}")
    print(f"caseload_alone_p50_ms: {statistics.median(alone['caseload']):.1f}")
    print(f"patient_page_alone_p50_ms: {statistics.median(alone['patient_page']):.1f}")
    print(f"requests_per_s: {sum(len(v) for v in latencies.values()) / args.seconds:.1f}")
    served_requests = max(1, sum(len(v) for v in latencies.values()))
    for party, seconds in cpu_used.items():
        print(f"{party}_cpu_ms_per_request: {1000 * seconds / served_requests:.1f}")
    total_cpu_ms = 1000 * sum(cpu_used.values()) / served_requests
    cores = len(os.sched_getaffinity(0))
    # With every core busy, throughput is cores / CPU per request and a closed loop of N clients
    # waits N / throughput on average (Little's law): the p95 follows from the CPU per request.
    print(f"cpu_bound_requests_per_s: {1000 * cores / total_cpu_ms:.1f}")
    print(f"cpu_bound_mean_latency_ms: {args.clients * total_cpu_ms / cores:.1f}")
    print(f"server_processes: {processes}")
    print(f"errors: {len(errors)}")


if __name__ == "__main__":
    main()
