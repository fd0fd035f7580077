"""The embedded stack (SQLite, in-memory layer) served as `make run` serves it, with one therapist,
one patient and an evaluation visit, for browser and WebSocket tests against the real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from clinic.config import serve

REPO = Path(__file__).resolve().parents[2]
USERNAME = "e2e-therapist"
PASSWORD = "e2e-pass-2026"
SETUP = f"""
import json
from datetime import date
from django.contrib.auth import get_user_model
from django.test import Client
from clinic.services import patients, practices, visits
pid = practices.practice_open(name="Served PT")
uid = practices.staff_add(practice_id=pid, username="{USERNAME}", password="{PASSWORD}", role="therapist",
                          first_name="Tess", last_name="Served", credentials="PT, DPT")
user = get_user_model().objects.get(pk=uid)
p = patients.patient_register(user=user, given_name="Sam", family_name="Squat", date_of_birth=date(1960, 5, 6),
                              sex="male", diagnoses=[("M17.11", "OA right knee")], referring_physician="Dr A",
                              payer="Medicare Part B")
v = visits.visit_record(user=user, patient_id=p.id, visit_type="evaluation", visit_date=date.today(),
                      expected_version=p.version)
client = Client()
client.force_login(user)
print(json.dumps({{"patient": str(p.id), "visit": str(v.id), "session": client.cookies["sessionid"].value}}))
"""


@dataclass
class Served:
    url: str
    port: int
    env: dict[str, str]
    patient: str
    visit: str
    session: str  # a signed-in session of USERNAME


def manage(env: Mapping[str, str], *args: str) -> str:
    """``manage.py`` in a child process with ``env``; its stdout, or the test fails with its stderr."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@contextmanager
def served(folder: Path, **overrides: str) -> Iterator[Served]:
    """Migrate a fresh embedded installation in ``folder``, add the practice, serve it."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(DATA_DIR=str(folder / "data"), DJANGO_SETTINGS_MODULE="clinic.config.settings", **overrides)
    manage(env, "migrate", "--noinput", "-v", "0")
    ids = json.loads(manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])
    with serve.running(env=env, log=folder / "server.log") as server:
        yield Served(server.url, server.port, env, ids["patient"], ids["visit"], ids["session"])
