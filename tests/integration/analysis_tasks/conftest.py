"""Real Celery worker processes for the offline-analysis tests.

A worker is ``celery -A tests.integration.analysis_tasks.worker_app worker --pool=solo`` started
as a subprocess with the test's database (pytest-django's test database, by name), the Redis
broker, the test's media folder and a queue of its own. Tests need PostgreSQL and Redis (the
``postgres`` and ``redis_url`` fixtures fail under CI=true when they are missing): SQLite cannot
be shared between processes the way the real deployment shares PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

REPO = Path(__file__).resolve().parents[3]
CELERY = Path(sys.executable).with_name("celery")
APPLICATION_NAME = "clinic-test-subprocess"


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_for(self, needle: str, *, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if needle in self.text():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited ({self.process.returncode}):\n{self.text()[-3000:]}")
            time.sleep(0.2)
        raise AssertionError(f"{needle!r} not in the worker log after {timeout_s} s:\n{self.text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, exactly what a crashed machine does."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = quote(s.get("USER") or "postgres")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    host = f"{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}"
    # Named, so the fixture can wait for these sessions to end before the test database is dropped.
    return f"postgres://{auth}@{host}/{s['NAME']}?application_name={APPLICATION_NAME}"


def wait_for_child_sessions_to_end(timeout_s: float = 15) -> None:
    """PostgreSQL ends a backend a moment after its client exits; DROP DATABASE must not race it."""
    from django.db import connection

    deadline = time.monotonic() + timeout_s
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
                [APPLICATION_NAME],
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


@pytest.fixture
def worker_env(postgres: None, redis_url: str, settings: Any, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for worker processes, and the test process sending to the same queue."""
    from clinic import celery_app

    queue = f"clinic-test-{uuid.uuid4().hex[:12]}"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANALYSIS_DISPATCH = "queue"  # this process queues requested analyses for the workers
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.config.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "DATA_DIR": str(tmp_path),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PROJECTIONS_INLINE": "true",
        "CLINIC_TEST_QUEUE": queue,
        "PYTHONPATH": str(REPO),
    }
    previous = (celery_app.conf.task_default_queue, celery_app.conf.task_always_eager)
    celery_app.conf.task_default_queue = queue
    celery_app.conf.task_always_eager = False
    try:
        yield env
    finally:
        celery_app.conf.task_default_queue, celery_app.conf.task_always_eager = previous


@pytest.fixture
def start_worker(worker_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(name: str, *, visibility_s: float | None = None) -> Worker:
        env = dict(worker_env)
        if visibility_s is not None:
            env["CLINIC_TEST_VISIBILITY_S"] = str(visibility_s)
        log = tmp_path / f"worker-{name}.log"
        handle = log.open("wb")
        process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "tests.integration.analysis_tasks.worker_app",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-Q",
                env["CLINIC_TEST_QUEUE"],
                "-n",
                f"{name}-{uuid.uuid4().hex[:6]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=REPO,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        handle.close()
        worker = Worker(process, log)
        started.append(worker)
        worker.wait_for(" ready.", timeout_s=90)
        return worker

    yield start
    for worker in started:
        worker.stop()
    wait_for_child_sessions_to_end()


@pytest.fixture
def eager(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Tasks run in-process (the default without REDIS_URL), with media in a temporary folder."""
    from clinic import celery_app

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANALYSIS_DISPATCH = "inline"
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous


def squat_sequence(shared_data: Path, *, subject: int | None = 1) -> bytes:
    """The squat clip's published BlazePose landmarks as a one-person recording (no inference)."""
    import json

    import numpy as np

    from capture.sequence import LandmarkSequence, encode_sequence

    folder = shared_data / "videos"
    image = np.array(json.loads((folder / "squats_front.reference_blazepose_full_2d.json").read_text()))
    world = np.array(json.loads((folder / "squats_front.reference_blazepose_full_world3d.json").read_text()))
    ones = np.ones((*image.shape[:2], 1))
    return encode_sequence(
        LandmarkSequence(
            image=np.concatenate([image, ones], axis=2)[None],
            world=np.concatenate([world, ones], axis=2)[None],
            person_ids=(1,),
            subject=subject,
            sampling_rate_hz=5.0,
            width_px=720,
            height_px=1280,
            model="full",
        )
    )
