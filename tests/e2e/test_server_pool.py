"""Through the real server on PostgreSQL: every request gives its pooled connection back.

The server takes connections from a pool of ``DB_POOL_SIZE`` per process (clinic/config/settings.py).
With a pool of one, a request that kept its connection would leave every later request waiting for
the pool's timeout; here pages, API reads and writes follow each other and run side by side.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from knox.models import AuthToken

from clinic.config import serve
from tests.factories import make_patient, make_practice

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

ANSWER_WITHIN_S = 10.0  # the pool's wait is 30 s: a connection kept by a request shows as a timeout


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, float]:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=ANSWER_WITHIN_S)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    finally:
        conn.close()


def test_requests_give_their_pooled_connection_back(postgres: Any, tmp_path: Path) -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    browser = Client()
    browser.force_login(practice.therapist)
    cookie = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}
    _, token = AuthToken.objects.create(practice.therapist)
    api = {"Authorization": f"Token {token}"}
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DATABASE_URL=_database_url(),
        DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="clinic.config.settings",
        SERVER_LOG_LEVEL="warning",
        DB_POOL_SIZE="1",
        ACCESS_LOG_KEY=os.environ.get("ACCESS_LOG_KEY", "") or _settings("ACCESS_LOG_KEY"),
        PII_MASTER_KEY=os.environ.get("PII_MASTER_KEY", "") or _settings("PII_MASTER_KEY"),
        SECRET_KEY=os.environ.get("SECRET_KEY", "") or _settings("SECRET_KEY"),
    )
    with serve.running(env=env, log=tmp_path / "server.log") as served:
        for _ in range(5):  # one after the other: each must find the connection free
            assert _get(served.port, f"/patients/{patient.id}/", cookie)[0] == 200
            assert _get(served.port, "/api/caseload/", api)[0] == 200
            assert _get(served.port, f"/api/patients/{patient.id}/", api)[0] == 200
        results: list[tuple[int, float]] = []

        def read(path: str, headers: dict[str, str]) -> None:
            results.append(_get(served.port, path, headers))

        threads = [
            threading.Thread(target=read, args=(f"/patients/{patient.id}/", cookie)) for _ in range(4)
        ] + [threading.Thread(target=read, args=("/api/caseload/", api)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [status for status, _ in results] == [200] * 8, (tmp_path / "server.log").read_text()[-2000:]
        body = json.loads(_body(served.port, "/api/caseload/", api))
        assert [r["patient"]["patient_id"] for r in body["results"]] == [str(patient.id)]


def _body(port: int, path: str, headers: dict[str, str]) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=ANSWER_WITHIN_S)
    try:
        conn.request("GET", path, headers=headers)
        return conn.getresponse().read()
    finally:
        conn.close()


def _settings(name: str) -> str:
    from django.conf import settings

    return str(getattr(settings, name))
