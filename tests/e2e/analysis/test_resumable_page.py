"""The visit page uploads resumably (tus-js-client) through the real server, in headless Chromium.

A piece whose connection drops is retried from the offset the server reports; after a reload the
same file resumes where it stopped instead of starting again. Embedded configuration (SQLite), with
Celery sending to an in-memory broker nobody reads: the analysis is requested, not run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from clinic.config import serve
from clinic.web import install_assets
from tests.e2e.browser import chromium
from tests.synthetic_video import padded_mp4

pytestmark = [pytest.mark.browser]

REPO = Path(__file__).resolve().parents[3]
PIECE = 8 * 1024 * 1024  # visit.js's chunkSize
SETUP = """
import json
from datetime import date
from django.contrib.auth import get_user_model
from django.test import Client
from clinic.services import care, patients, practices
pid = practices.practice_open(name="Resume PT")
uid = practices.staff_add(practice_id=pid, username="resumer", password="resume-pass-2026", role="therapist",
                          first_name="Rae", last_name="Sume", credentials="PT")
user = get_user_model().objects.get(pk=uid)
p = patients.patient_register(user=user, given_name="Uma", family_name="Pload", date_of_birth=date(1970, 1, 1),
                              sex="female", diagnoses=[("M17.11", "OA right knee")], referring_physician="",
                              payer="")
v = care.visit_record(user=user, patient_id=p.id, visit_type="evaluation", visit_date=date.today(),
                      expected_version=p.version)
client = Client()
client.force_login(user)
print(json.dumps({"patient": str(p.id), "visit": str(v.id), "session": client.cookies["sessionid"].value}))
"""
COUNT = """
from clinic.eventstore import store
print(sum(e.event_type == "AnalysisRequested" for e in store.read_stream("patient-" + PATIENT)))
"""


@dataclass
class Server:
    url: str
    env: dict[str, str]
    patient: str
    visit: str
    session: str


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    if not install_assets.is_current():
        pytest.fail(
            "tus-js-client is not installed: run `make install` (python -m clinic.web.install_assets)"
        )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="clinic.config.settings",
        CELERY_BROKER_URL="memory://",
        CELERY_RESULT_BACKEND="cache+memory://",
        CELERY_TASK_ALWAYS_EAGER="false",
        ANALYSIS_DISPATCH="queue",  # to the in-memory broker: requested, never run
    )
    _manage(env, "migrate", "--noinput", "-v", "0")
    ids = json.loads(_manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])
    with serve.running(env=env, log=tmp_path / "server.log") as served:
        yield Server(served.url, env, ids["patient"], ids["visit"], ids["session"])


def test_dropped_pieces_are_retried_and_a_reload_resumes_the_same_file(
    server: Server, tmp_path: Path
) -> None:
    video = padded_mp4(tmp_path / "long walk.mp4", payload_bytes=2 * PIECE + 500_000, seed=os.urandom(64))
    size = video.stat().st_size
    seen: list[tuple[str, str]] = []
    drop = {"offsets": {str(PIECE)}, "all_after_first": False}

    def intercept(route: Any) -> None:
        request = route.request
        offset = request.headers.get("upload-offset", "")
        seen.append((request.method, offset))
        if request.method == "PATCH" and (
            offset in drop["offsets"] or (drop["all_after_first"] and offset != "0")
        ):
            drop["offsets"].discard(offset)
            route.abort("connectionreset")
            return
        route.continue_()

    with chromium() as browser:
        context = browser.new_context()
        context.add_cookies([{"name": "sessionid", "value": server.session, "url": server.url}])
        page = context.new_page()
        page.route("**/uploads/**", intercept)
        visit_url = f"{server.url}/patients/{server.patient}/visits/{server.visit}/"

        # 1. One piece's connection drops: tus-js-client asks the offset (HEAD) and goes on.
        page.goto(visit_url)
        page.set_input_files("#video-form input[name=video]", str(video))
        page.select_option("#video-form select[name=activity]", "gait")
        page.click("#video-form button[type=submit]")
        page.wait_for_selector(".messages .success", timeout=60_000)
        assert page.inner_text(".messages") == "Video received; the analysis is running."
        assert page.locator('.analysis[data-status="requested"]').count() == 1
        assert "uploaded=" not in page.url  # the confirmation is not repeated on reload
        patches = [offset for method, offset in seen if method == "PATCH"]
        assert patches == ["0", str(PIECE), str(PIECE), str(2 * PIECE)], seen
        assert ("HEAD", "") in seen[seen.index(("PATCH", str(PIECE))) :]

        # 2. A second file stops after its first piece; the page is reloaded and the same file
        # chosen again: the upload resumes at the server's offset, without creating a new one.
        other = padded_mp4(tmp_path / "second walk.mp4", payload_bytes=2 * PIECE, seed=os.urandom(64))
        seen.clear()
        drop["all_after_first"] = True
        page.goto(visit_url)
        page.set_input_files("#video-form input[name=video]", str(other))
        page.click("#video-form button[type=submit]")
        for _ in range(300):  # until the second piece was attempted (and dropped)
            if ("PATCH", str(PIECE)) in seen:
                break
            page.wait_for_timeout(100)
        assert ("PATCH", str(PIECE)) in seen, seen
        page.goto(visit_url)  # the upload in flight is gone with the page
        seen.clear()
        drop["all_after_first"] = False
        page.set_input_files("#video-form input[name=video]", str(other))
        page.click("#video-form button[type=submit]")
        page.wait_for_selector(".messages .success", timeout=60_000)
        assert [m for m, _ in seen if m == "POST"] == []  # resumed, not created again
        assert [o for m, o in seen if m == "PATCH"][:1] == [str(PIECE)], seen
        assert page.locator('.analysis[data-status="requested"]').count() == 2

    count = _manage(
        {**server.env, "PATIENT": server.patient},
        "shell",
        "-c",
        COUNT.replace("PATIENT", repr(server.patient)),
    )
    assert count.strip().splitlines()[-1] == "2"
    assert size > 2 * PIECE
