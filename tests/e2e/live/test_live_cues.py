"""The live page's repetition counter and cues, in headless Chromium with a fake camera.

The camera plays real frames of the squat clip in an order that makes shallow squats: the first
seven frames of the descent (knee flexion about 6 to 42 deg, MediaPipe's published landmarks)
and back up, over and over. Every repetition then ends short of the squat's full depth (60 deg
of knee flexion, :data:`analysis.exercise.DEFAULT_THRESHOLDS`): the page must count it as
partial, show the cue "go deeper" on screen and speak it. Spoken cues are caught by wrapping
``speechSynthesis.speak`` (headless Chromium has no voices). The counters start again from zero
when a recording starts. Real server, real MediaPipe inference (as ``test_live_page``).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from tests.e2e.browser import chromium, wait_until
from tests.e2e.embedded_server import PASSWORD, USERNAME, Served

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Frames 0-6 of the clip go from standing to about 42 deg of knee flexion; 6..1 come back up.
SHALLOW_ORDER = (*range(0, 7), *range(6, 0, -1))
SPY = """
window.__spoken = [];
if (window.speechSynthesis) {
  window.speechSynthesis.speak = (utterance) => { window.__spoken.push(utterance.text); };
}
"""
LIVE = "document.getElementById('live')"


def shallow_squats_y4m(
    source: Path, target: Path, *, width: int, height: int, repeat: int, cycles: int
) -> int:
    """The clip's frames in :data:`SHALLOW_ORDER`, ``cycles`` times, as YUV4MPEG2 at 30 fps."""
    capture = cv2.VideoCapture(str(source))
    frames = []
    while len(frames) <= max(SHALLOW_ORDER):
        ok, bgr = capture.read()
        assert ok, "the squat clip is shorter than expected"
        frames.append(
            cv2.cvtColor(
                cv2.resize(bgr, (width, height), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2YUV_I420
            )
        )
    capture.release()
    written = 0
    with target.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(cycles):
            for index in SHALLOW_ORDER:
                for _ in range(repeat):
                    out.write(b"FRAME\n")
                    out.write(frames[index].tobytes())
                    written += 1
    return written


def test_shallow_squats_show_and_speak_the_depth_cue_and_recording_restarts_the_count(
    server: Served, shared_data: Path, tmp_path: Path, artifacts_dir: Path
) -> None:
    y4m = tmp_path / "shallow_squats.y4m"
    # 13 frames x 6 = 2.6 s per repetition, a calm squat tempo.
    assert (
        shallow_squats_y4m(
            shared_data / "videos" / "squats_front.mp4", y4m, width=288, height=512, repeat=6, cycles=20
        )
        == 20 * 13 * 6
    )
    fake_camera = (
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
        "--autoplay-policy=no-user-gesture-required",
    )
    with chromium(fake_camera) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.add_init_script(SPY)
        page.goto(f"{server.url}/login/")
        page.fill("input[name=username]", USERNAME)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{server.url}/patients/{server.patient}/capture/?visit={server.visit}")
        page.wait_for_selector("#live")
        assert page.is_checked("#speak")
        page.select_option("#resolution", "320")
        page.click("#camera")
        wait_until(page, f"Number({LIVE}.dataset.landmarks) >= 33", timeout_ms=30_000)
        # A shallow repetition: counted as partial, never as complete, and cued on screen.
        wait_until(page, "Number(document.getElementById('partial').textContent) >= 1", timeout_ms=60_000)
        wait_until(
            page,
            "!document.getElementById('cue').hidden && document.getElementById('cue').textContent === 'go deeper'",
            timeout_ms=10_000,
        )
        page.screenshot(path=str(artifacts_dir / "live_capture_cue.png"))
        assert page.is_visible("#cue")
        assert page.inner_text("#reps") == "0"
        assert "go deeper" in page.evaluate("window.__spoken")
        # The angle table says its convention.
        assert "flexion positive" in page.inner_text("#angle-convention")
        # Starting a recording starts the count again: the recording's repetitions only. Before it,
        # at least three; in the 2 s after it at most one can end (one every 2.6 s).
        partial = "Number(document.getElementById('partial').textContent)"
        wait_until(page, f"{partial} >= 3", timeout_ms=60_000)
        page.click("#record")
        wait_until(page, f"{LIVE}.dataset.recording === 'started'", timeout_ms=10_000)
        seen = []
        for _ in range(20):
            page.wait_for_timeout(100)
            seen.append(page.evaluate(partial))
        assert max(seen) <= 1, seen
        wait_until(page, f"{partial} >= 1", timeout_ms=60_000)
        page.click("#record")
        wait_until(page, f"{LIVE}.dataset.recording === 'stopped'", timeout_ms=30_000)
