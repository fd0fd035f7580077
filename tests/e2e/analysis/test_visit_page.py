"""The visit page in headless Chromium against the full stack: the server, PostgreSQL, Redis, a Celery worker.

A therapist uploads the squat clip; the page shows a progress bar fed by the visit's WebSocket
while the worker analyses it, then the results with their units. A text file renamed ``.mp4``
is refused with its sentence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from clinic.config import serve
from tests.e2e.browser import chromium
from tests.factories import make_evaluation, make_patient, make_practice
from tests.integration.analysis_tasks.conftest import Worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow]


def test_upload_progress_and_results_in_the_browser(
    worker_env: dict[str, str], start_worker: Callable[..., Worker], shared_data: Path, tmp_path: Path
) -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Squatter")
    visit_id, _ = make_evaluation(practice.therapist, patient)
    # The server as `make run` starts it, in a process whose Celery app sends to this test's queue.
    with serve.running(
        env=worker_env, log=tmp_path / "server.log", preload=["tests.integration.analysis_tasks.worker_app"]
    ) as served:
        base = served.url
        frames: list[dict[str, Any]] = []
        # Logged in through a session stored in the shared database (the server checks passwords with
        # the production hashers, the tests store them with a fast one). Done before the browser
        # starts: inside Playwright's context the ORM would open a second connection.
        client = Client()
        client.force_login(practice.therapist)
        with chromium() as browser:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_cookies(
                [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
            )
            page = context.new_page()
            page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(json.loads(f))))
            page.goto(f"{base}/patients/{patient.id}/")
            page.click(f'[data-visit="{visit_id}"] a.analysis-link')
            page.wait_for_selector("#video-form")
            assert "No analyses for this visit yet." in page.inner_text("#analyses")

            text = tmp_path / "notes.mp4"
            text.write_text("not a video\n" * 40)
            page.set_input_files("#video-form input[name=video]", str(text))
            page.click("#video-form button[type=submit]")
            page.wait_for_selector(".messages .error")
            assert page.inner_text(".messages") == (
                "Notes.mp4 is not a video file OpenCV can read (use mp4, webm, mov or avi)."
            )

            page.set_input_files(
                "#video-form input[name=video]", str(shared_data / "videos" / "squats_front.mp4")
            )
            page.select_option("#video-form select[name=activity]", "squat")
            page.select_option("#video-form select[name=model]", "lite")
            with page.expect_websocket():  # the page follows the queued analysis
                page.click("#video-form button[type=submit]")
                page.wait_for_selector(".messages .success")
            assert page.locator('.analysis[data-status="requested"] .progress').count() == 1
            # No worker yet: the job waits in the queue, and the page's socket has joined the group
            # before any progress exists, so every message must reach it.
            page.wait_for_timeout(1000)
            start_worker("page")
            page.wait_for_selector('.analysis[data-status="completed"]', timeout=120_000)
            results = page.inner_text(".analysis .results")
            # A count reads as a whole number of repetitions, and every value waits for review.
            assert "Squat complete reps" in results and re.search(r"\t\d+ repetitions?\t", results)
            assert not re.search(r"\d count\b", results)  # never "4.00 count"
            assert "Preliminary" in results
            page.screenshot(path=str(tmp_path / "visit.png"), full_page=True)
        running = [f for f in frames if f["status"] == "running"]
        assert running and any(f["stage"] == "pose" for f in running), frames
        assert any(f["status"] == "completed" and f["percent"] == 100 for f in frames), frames
