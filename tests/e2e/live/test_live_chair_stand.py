"""A 30-second chair stand run live from the page with a fake camera (the squat clip, looped: its
rises from the squat count as stands on the pelvis height), in the embedded server with real
MediaPipe: the protocol card, the countdown and its spoken "go", the stands counted, the automatic
stop at 30 s, then the score accepted in the review and on the progress page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from analysis.stop_rules import COUNTDOWN_S, STOP_RULES
from tests.e2e.browser import chromium, csp_violations, wait_until
from tests.e2e.embedded_server import PASSWORD, USERNAME, Served, manage
from tests.e2e.live.test_live_page import write_y4m

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIVE = "document.getElementById('live')"
# Utterances the page asks the browser to say, recorded instead of spoken (headless has no audio).
RECORD_SPEECH = """
window.__spoken = [];
if ("speechSynthesis" in window) speechSynthesis.speak = (u) => { window.__spoken.push(u.text); };
"""
RECORDING = """
import json
from clinic.eventstore import store
events = [e for e in store.read_stream("patient-" + PATIENT)]
stopped = [e.data for e in events if e.event_type == "RecordingStopped"]
started = [e.data for e in events if e.event_type == "RecordingStarted"]
print(json.dumps({"started": started, "stopped": stopped}, default=str))
"""


def test_chair_stand_live_counts_down_says_go_stops_at_30_s_and_its_score_is_reviewed(
    server: Served, shared_data: Path, tmp_path: Path, artifacts_dir: Path
) -> None:
    y4m = tmp_path / "squats.y4m"
    write_y4m(shared_data / "videos" / "squats_front.mp4", y4m, width=288, height=512, repeat=6)
    fake_camera = (
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
    )
    with chromium(fake_camera) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.add_init_script(RECORD_SPEECH)
        violations = csp_violations(page)
        page.goto(f"{server.url}/login/")
        page.fill("input[name=username]", USERNAME)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{server.url}/patients/{server.patient}/capture/?visit={server.visit}")
        page.wait_for_selector("#live")
        assert page.inner_text("#record") == "Start recording"  # a squat is recorded by hand
        page.select_option("#exercise", "chair_stand_30s")
        # The upload form's protocol card for the chosen test, and when the test stops.
        card = page.locator('.protocol-card[data-activity="chair_stand_30s"]')
        assert card.is_visible() and "43 cm" in card.inner_text() and "Tell the patient" in card.inner_text()
        assert not page.locator('.protocol-card[data-activity="tug"]').is_visible()
        assert page.inner_text("#test-rule") == STOP_RULES["chair_stand_30s"].describe()
        assert page.inner_text("#record") == "Start test" and page.inner_text("#reps-label") == "Stands"
        page.select_option("#resolution", "320")
        page.click("#camera")
        wait_until(page, f"Number({LIVE}.dataset.landmarks) >= 33", timeout_ms=30_000)

        page.click("#record")
        # The countdown: 3, 2, 1 shown on the picture, nothing recorded yet.
        assert page.inner_text("#countdown") == str(COUNTDOWN_S)
        assert page.evaluate(f"{LIVE}.dataset.recording") == "idle"
        page.screenshot(path=str(artifacts_dir / "live_chair_stand_countdown.png"))
        shown = set()
        while page.evaluate(f"{LIVE}.dataset.test") == "countdown":
            shown.add(page.inner_text("#countdown"))
            page.wait_for_timeout(100)
        assert {"3", "2", "1"} <= shown
        assert page.inner_text("#countdown") == "Go" and page.evaluate("window.__spoken") == ["Go"]
        wait_until(page, f"{LIVE}.dataset.recording === 'started'", timeout_ms=10_000)
        assert page.evaluate(f"{LIVE}.dataset.test") == "running"
        assert page.inner_text("#record") == "Stop test"
        wait_until(page, f"Number({LIVE}.dataset.reps) >= 1", timeout_ms=25_000)
        assert re.fullmatch(r"\d+\.\d s of 30 s", page.inner_text("#test-clock"))
        page.screenshot(path=str(artifacts_dir / "live_chair_stand_running.png"))

        # Nobody presses stop: at 30 s the page says "stop", and the server stops the recording a
        # moment later (the chair stand's settling time, to see a stand under way at 30 s).
        wait_until(page, f"{LIVE}.dataset.over === '1'", timeout_ms=45_000)
        assert page.inner_text("#test-clock") == "30.0 s of 30 s"
        assert page.evaluate("window.__spoken")[-1] == "Stop"
        page.screenshot(path=str(artifacts_dir / "live_chair_stand_time_up.png"))
        wait_until(page, f"{LIVE}.dataset.test === 'stopped'", timeout_ms=15_000)
        assert page.evaluate(f"{LIVE}.dataset.stopReason") == "time"
        assert page.inner_text("#status") == "Stopped: 30 s reached."
        stands = int(page.inner_text("#reps"))
        assert stands >= 3  # about three rises per 13 s loop of the clip
        # "Go", each stand's count as it is reached, "Stop" at 30 s (and maybe a count of the stand under
        # way then); the count stays the test's after the stop.
        spoken = page.evaluate("window.__spoken")
        said_stop = spoken.index("Stop")
        assert spoken[:said_stop] == ["Go", *map(str, range(1, said_stop))]
        assert spoken[said_stop + 1 :] in ([], [str(said_stop)]) and spoken.count("Stop") == 1
        wait_until(page, f"{LIVE}.dataset.recording === 'stopped'", timeout_ms=30_000)
        assert "Recording stored" in page.inner_text("#record-status")
        assert page.inner_text("#reps") == str(stands)
        page.screenshot(path=str(artifacts_dir / "live_chair_stand_stopped.png"))
        wait_until(page, f"{LIVE}.dataset.analysis === 'completed'", timeout_ms=180_000)
        assert (
            "stands" in page.inner_text("#results").lower() or "chair" in page.inner_text("#results").lower()
        )

        # The score is preliminary on the visit page; accepted, it reaches the progress page.
        page.goto(f"{server.url}/patients/{server.patient}/visits/{server.visit}/")
        row = page.locator('tr.value-row[data-metric="chair_stand_count"]')
        assert row.count() == 1 and row.get_attribute("data-status") == "preliminary"
        score = int(row.locator("td.num").inner_text().split()[0])
        assert abs(score - stands) <= 2  # the offline count of the same recording
        assert 'from the "go" of the test run live' in row.locator("td.method").inner_text()
        row.locator("button[value=accept]").click()
        page.wait_for_selector(".messages .success")
        row = page.locator('tr.value-row[data-metric="chair_stand_count"]')
        assert row.get_attribute("data-status") == "final"
        page.goto(f"{server.url}/patients/{server.patient}/progress/")
        comparison = page.locator("#comparison").inner_text()
        assert "30-second chair stand" in comparison and str(score) in comparison
        page.screenshot(path=str(artifacts_dir / "live_chair_stand_progress.png"), full_page=True)
        assert violations == []

    out = manage(server.env, "shell", "-c", RECORDING.replace("PATIENT", repr(server.patient)))
    events = json.loads(out.strip().splitlines()[-1])
    assert [e["exercise"] for e in events["started"]] == ["chair_stand_30s"]
    settle = STOP_RULES["chair_stand_30s"].settle_s
    assert (
        len(events["stopped"]) == 1
        and 29.5 + settle <= float(events["stopped"][0]["duration_s"]) <= 30.5 + settle
    )
