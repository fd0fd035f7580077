"""The visit page uploads resumably (tus-js-client) through the real server, in headless Chromium.

A piece whose connection drops is retried from the offset the server reports; after a reload the
same file resumes where it stopped instead of starting again. Embedded configuration (SQLite), with
Celery sending to an in-memory broker nobody reads: the analysis is requested, not run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clinic.web import install_assets
from tests.e2e.browser import chromium
from tests.e2e.embedded_server import Served, manage, served
from tests.synthetic_video import padded_mp4

pytestmark = [pytest.mark.browser]

PIECE = 8 * 1024 * 1024  # visit.js's chunkSize
COUNT = """
from clinic.eventstore import store
print(sum(e.event_type == "AnalysisRequested" for e in store.read_stream("patient-" + PATIENT)))
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Served]:
    if not install_assets.is_current():
        pytest.fail(
            "tus-js-client is not installed: run `make install` (python -m clinic.web.install_assets)"
        )
    with served(
        tmp_path,
        CELERY_BROKER_URL="memory://",
        CELERY_RESULT_BACKEND="cache+memory://",
        CELERY_TASK_ALWAYS_EAGER="false",
        ANALYSIS_DISPATCH="queue",  # to the in-memory broker: requested, never run
    ) as server:
        yield server


def test_dropped_pieces_are_retried_and_a_reload_resumes_the_same_file(
    server: Served, tmp_path: Path
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

    count = manage(
        {**server.env, "PATIENT": server.patient},
        "shell",
        "-c",
        COUNT.replace("PATIENT", repr(server.patient)),
    )
    assert count.strip().splitlines()[-1] == "2"
    assert size > 2 * PIECE
