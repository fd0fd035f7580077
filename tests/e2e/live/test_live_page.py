"""The live-capture page in headless Chromium with a fake camera playing the squat clip.

The server is the real server process (:mod:`clinic.config.serve`, as ``make run`` starts it) in
the embedded configuration (SQLite, in-memory channel layer, Celery in-process), with real MediaPipe
inference. The consumer tests in ``tests/integration/live`` cover the Redis channel layer.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

from tests.e2e.browser import chromium, csp_violations, wait_until
from tests.e2e.embedded_server import PASSWORD, USERNAME, Served, manage

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHECK = """
import json
from clinic import blobs
from clinic.eventstore import store
from capture.sequence import decode_sequence
events = list(store.read_stream("patient-" + PATIENT))
stored = [e.data for e in events if e.event_type == "LandmarkSequenceStored"]
seq = decode_sequence(blobs.get("sequence", __import__("uuid").UUID(PATIENT), stored[0]["sequence_sha256"]))
print(json.dumps({"types": [e.event_type for e in events], "frames": seq.frames,
                  "seen": int((~__import__("numpy").isnan(seq.subject_image()[:, 25, 1])).sum())}))
"""


def write_y4m(source: Path, target: Path, *, width: int, height: int, repeat: int) -> int:
    """The clip as a YUV4MPEG2 file at 30 fps (each 5 fps frame repeated), for Chromium's fake camera."""
    capture = cv2.VideoCapture(str(source))
    frames = 0
    with target.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        while True:
            ok, bgr = capture.read()
            if not ok:
                break
            i420 = cv2.cvtColor(
                cv2.resize(bgr, (width, height), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2YUV_I420
            )
            for _ in range(repeat):
                out.write(b"FRAME\n")
                out.write(i420.tobytes())
            frames += 1
    capture.release()
    return frames


def test_live_page_draws_the_skeleton_counts_reps_and_stores_a_recording(
    server: Served, shared_data: Path, tmp_path: Path, artifacts_dir: Path
) -> None:
    y4m = tmp_path / "squats.y4m"
    assert write_y4m(shared_data / "videos" / "squats_front.mp4", y4m, width=288, height=512, repeat=6) == 65
    fake_camera = (
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
        "--autoplay-policy=no-user-gesture-required",
    )
    with chromium(fake_camera) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        violations = csp_violations(page)  # the WebSocket to this host is allowed by the policy
        page.goto(f"{server.url}/login/")
        page.fill("input[name=username]", USERNAME)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{server.url}/patients/{server.patient}/")
        page.click(f"[data-visit='{server.visit}'] a.capture-link")
        page.wait_for_selector("#live")
        page.select_option("#resolution", "320")
        page.click("#camera")
        # A skeleton is drawn: all 33 landmarks of one person on the overlay.
        wait_until(page, "Number(document.getElementById('live').dataset.landmarks) >= 33", timeout_ms=30_000)
        page.click("#record")
        wait_until(page, "document.getElementById('live').dataset.recording === 'started'", timeout_ms=10_000)
        wait_until(page, "Number(document.getElementById('live').dataset.reps) >= 2", timeout_ms=60_000)
        page.screenshot(path=str(artifacts_dir / "live_capture_squat.png"))
        assert page.inner_text("#reps") in ("2", "3")
        assert page.inner_text("#angles").count("°") == 4
        fps = int(page.inner_text("#fps").split()[0])
        assert fps >= 1
        page.click("#record")
        wait_until(page, "document.getElementById('live').dataset.recording === 'stopped'", timeout_ms=30_000)
        assert "Recording stored" in page.inner_text("#record-status")
        # Storing and analysing the recording does not stall the live view.
        wait_until(page, "Number(document.getElementById('live').dataset.landmarks) >= 33", timeout_ms=10_000)
        wait_until(
            page, "document.getElementById('live').dataset.analysis === 'completed'", timeout_ms=120_000
        )
        assert page.locator("#results tbody tr").count() >= 1
        results = page.inner_text("#results")
        # Counts read as whole repetitions, angles to the degree (never "2.00 count").
        assert "repetitions" in results and ".00" not in results and "count" not in results
        page.screenshot(path=str(artifacts_dir / "live_capture_results.png"), full_page=True)
        assert violations == []
    script = CHECK.replace("PATIENT", repr(server.patient))
    check = json.loads(manage(server.env, "shell", "-c", script).strip().splitlines()[-1])
    for name in (
        "RecordingStarted",
        "RecordingStopped",
        "LandmarkSequenceStored",
        "AnalysisRequested",
        "AnalysisCompleted",
    ):
        assert check["types"].count(name) == 1, check["types"]
    assert check["frames"] >= 20 and check["seen"] >= 0.8 * check["frames"]


def test_in_browser_mode_sends_only_keypoints_and_draws_the_same_overlay(
    server: Served, shared_data: Path, tmp_path: Path, artifacts_dir: Path
) -> None:
    """The pose model runs in the page from the project's static copy of @mediapipe/pose."""
    y4m = tmp_path / "squats.y4m"
    write_y4m(shared_data / "videos" / "squats_front.mp4", y4m, width=288, height=512, repeat=6)
    args = (
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
    )
    with chromium(args) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        violations = csp_violations(page)  # WebAssembly compiles under 'wasm-unsafe-eval' only
        outside: list[str] = []
        binary_frames: list[int] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server.url) else None)
        page.on(
            "websocket",
            lambda ws: ws.on(
                "framesent", lambda f: binary_frames.append(1) if isinstance(f, bytes) else None
            ),
        )
        page.goto(f"{server.url}/login/")
        page.fill("input[name=username]", USERNAME)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text))
        page.goto(f"{server.url}/patients/{server.patient}/capture/")
        page.select_option("#mode", "browser")
        page.select_option("#model", "lite")
        page.click("#camera")
        try:
            wait_until(
                page, "Number(document.getElementById('live').dataset.landmarks) >= 33", timeout_ms=90_000
            )
        except Exception:
            data = page.evaluate("JSON.stringify(document.getElementById('live').dataset)")
            pytest.fail(f"status {page.inner_text('#status')!r}; {data}; console {console[-15:]}")
        page.screenshot(path=str(artifacts_dir / "live_capture_in_browser.png"))
        assert "lite" in page.inner_text("#model-used")
        assert violations == []
    assert outside == [] or all(u.startswith(("data:", "blob:")) for u in outside), outside
    assert binary_frames == []  # no image ever left the page
