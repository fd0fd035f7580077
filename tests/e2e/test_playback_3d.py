"""Playback shows the 3D skeleton an analysis kept, from the front, the side and above."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest

from capture.sequence import decode_sequence
from clinic.services import analysis as service
from tests.e2e.browser import chromium, csp_violations, log_in
from tests.factories import PASSWORD, make_evaluation, make_patient, make_practice, store_recording
from tests.integration.analysis_tasks.conftest import squat_sequence

pytestmark = pytest.mark.usefixtures("eager")


@pytest.fixture
def eager(settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    from clinic import celery_app

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANALYSIS_DISPATCH = "inline"
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_playback_draws_the_kept_skeleton_from_three_viewpoints(  # type: ignore[no-untyped-def]
    live_server, artifacts_dir: Path, shared_data: Path
) -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Skeleton")
    visit_id, _ = make_evaluation(practice.therapist, patient)
    original = decode_sequence(squat_sequence(shared_data))
    with_3d = store_recording(patient.id, visit_id, original.image, world=original.world)
    without = store_recording(patient.id, visit_id, original.image[:, :20], world=original.world[:, :20])
    service.analysis_request(
        user_or_actor="task:recording", patient_id=patient.id, visit_id=visit_id, source="recording",
        source_id=uuid4(), content_sha256=with_3d, config={"model": "full", "activity": "squat", "refine_3d": True},
    )  # fmt: skip
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        violations = csp_violations(page)
        log_in(page, live_server.url, practice.therapist.username, PASSWORD)
        page.goto(f"{live_server.url}/patients/{patient.id}/playback/?a={with_3d}&b={without}")
        page.wait_for_selector('#playback[data-ready="true"]')
        assert page.get_attribute("#canvas-a", "data-view") == "image"
        page.fill("#scrubber", "9")  # near the bottom of the first squat
        page.dispatch_event("#scrubber", "input")
        pixels = {}
        for view in ("front", "side", "top"):
            page.select_option("#view3d", view)
            assert page.get_attribute("#canvas-a", "data-view") == view
            assert int(page.get_attribute("#canvas-a", "data-drawn3d") or 0) == 16  # every fitted joint
            # The recording no analysis fitted says so instead of drawing.
            assert page.get_attribute("#canvas-b", "data-drawn3d") == "0"
            pixels[view] = page.evaluate("document.getElementById('canvas-a').toDataURL()")
            page.screenshot(path=str(artifacts_dir / f"playback-3d-{view}.png"), full_page=True)
        assert len(set(pixels.values())) == 3  # three different projections
        page.select_option("#view3d", "image")
        assert int(page.get_attribute("#canvas-a", "data-drawn-landmarks") or 0) == 33
        assert violations == []
