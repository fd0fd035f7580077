"""Faults against the running system: an upload while Redis is down, a Redis outage the worker rides out.

Everything runs as in production, each in its own process: the web server (``clinic.config.serve``),
a Celery worker and ``run_projections`` (which also dispatches requested analyses), on the test's
PostgreSQL database and a private ``redis-server`` on a spare port, which the test stops and starts
(the shared Redis is never touched).

Before the outbox, the upload answered 500 after about 19 s with ``VideoUploaded`` and
``AnalysisRequested`` already committed, the job was never sent, and the analysis stayed
``requested`` for ever.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from clinic.config import serve
from clinic.eventstore import store
from tests.factories import make_evaluation, make_patient, make_practice
from tests.integration.analysis_tasks.conftest import REPO, Worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

OUTAGE_S = 60  # the bound: the worker survives a Redis outage of at least a minute


class PrivateRedis:
    """A redis-server of this test's own on a free port, stopped and started at will."""

    def __init__(self, folder: Path) -> None:
        if shutil.which("redis-server") is None:
            pytest.fail("redis-server is needed for the outage tests")
        self.port = serve.free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while (
            subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout
            != b"PONG\n"
        ):
            assert time.monotonic() < deadline, "the private redis-server did not start"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


def _upload(url: str, token: str, path: Path) -> tuple[int, dict[str, object], float]:
    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
            "Content-Type: video/mp4\r\n\r\n".encode(),
            path.read_bytes(),
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nlite'.encode(),
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="activity"\r\n\r\nsquat'.encode(),
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="refine_3d"\r\n\r\nfalse'.encode(),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    request = urllib.request.Request(
        url, data=body, method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )  # fmt: skip
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read()), time.monotonic() - started


def _types(patient_id: uuid.UUID) -> list[str]:
    return [e.event_type for e in store.read_stream(f"patient-{patient_id}")]


def test_upload_while_redis_is_down_runs_once_after_it_is_back(
    worker_env: dict[str, str],
    start_worker: Callable[..., Worker],
    private_redis: PrivateRedis,
    shared_data: Path,
    tmp_path: Path,
) -> None:
    from knox.models import AuthToken

    env = {
        **worker_env,
        "REDIS_URL": private_redis.url,
        "CELERY_BROKER_URL": private_redis.url,
        "CELERY_QUEUE": worker_env["CLINIC_TEST_QUEUE"],  # the server and follower send to the worker's queue
        "SERVER_LOG_LEVEL": "warning",
    }
    worker_env.update(env)  # the worker started below uses the private Redis too
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    _, token = AuthToken.objects.create(practice.therapist)
    worker = start_worker("outage")
    follower_log = (tmp_path / "follower.log").open("wb")
    follower = subprocess.Popen(
        [sys.executable, "manage.py", "run_projections", "--poll-interval", "0.5"],
        cwd=REPO, env=env, stdout=follower_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        with serve.running(env=env, log=tmp_path / "server.log") as server:
            private_redis.stop()
            down_at = time.monotonic()
            status, body, elapsed_s = _upload(
                f"{server.url}/api/patients/{patient.id}/visits/{visit_id}/videos/",
                token,
                shared_data / "videos" / "squats_front.mp4",
            )
            assert status == 202, body
            assert elapsed_s < 5.0, f"the upload waited {elapsed_s:.1f} s on the broker that is down"
            assert _types(patient.id).count("AnalysisRequested") == 1
            time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - down_at)))
            assert worker.process.poll() is None, (
                f"the worker exited during the outage:\n{worker.text()[-3000:]}"
            )
            assert follower.poll() is None, "run_projections exited during the outage"
            private_redis.start()
            deadline = time.monotonic() + 180
            while "AnalysisCompleted" not in _types(patient.id) and "AnalysisFailed" not in _types(
                patient.id
            ):
                assert time.monotonic() < deadline, (
                    f"the analysis did not run after Redis came back:\n{worker.text()[-3000:]}"
                )
                time.sleep(0.5)
            time.sleep(3)  # a duplicate delivery would have time to record twice
    finally:
        follower.terminate()
        follower.wait(timeout=30)
        follower_log.close()
    types = _types(patient.id)
    assert types.count("AnalysisCompleted") == 1, types
    assert "AnalysisFailed" not in types
    assert worker.process.poll() is None, "the worker exited after the outage"
