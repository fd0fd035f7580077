"""The pages in a real browser: log in, caseload with alerts, patient chart, add a goal and a signed note."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic.projections.models import GoalView, VisitView
from tests.e2e.browser import chromium, csp_violations, log_in
from tests.factories import PASSWORD, due, make_evaluation, make_patient, make_practice

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_therapist_adds_a_goal_and_a_signed_note(live_server, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Alvarez")
    make_evaluation(practice.therapist, patient)
    make_patient(practice.other_therapist, family_name="Hidden")

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        violations = csp_violations(page)
        page.goto(f"{live_server.url}/")
        assert "/login/" in page.url
        page.fill("#id_username", practice.therapist.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#caseload")
        rows = page.locator("#caseload tbody tr")
        assert rows.count() == 1 and "Alvarez" in rows.first.inner_text()
        assert "Hidden" not in page.content()
        assert page.locator('[data-alert="no_plan_of_care"]').count() == 1
        page.screenshot(path=str(artifacts_dir / "caseload.png"), full_page=True)

        page.click("#caseload a")
        page.wait_for_selector("#goal-form")
        page.select_option("#goal-form select[name=metric]", "gait_speed")
        page.fill("#goal-form input[name=target]", "1.1")
        page.fill("#goal-form input[name=baseline]", "0.7")
        page.fill("#goal-form input[name=due_date]", due().isoformat())
        page.click("#goal-form button[type=submit]")
        page.wait_for_selector(".messages .success")
        assert "Gait speed >= 1.1 m/s" in page.locator("#goals").inner_text()

        page.select_option("#visit-form select[name=visit_type]", "treatment")
        page.fill("#visit-form textarea[name=subjective]", "Walked to the shop without a cane.")
        page.fill("#visit-form textarea[name=assessment]", "Gait improving.")
        page.fill("#visit-form textarea[name=plan]", "Progress balance work.")
        page.check("#visit-form input[name=sign]")
        page.click("#visit-form button[type=submit]")
        page.wait_for_selector(".messages .success")
        assert "Visit recorded and note signed." in page.locator(".messages").inner_text()
        assert "Signed by Tess Tester, PT, DPT" in page.content()
        page.screenshot(path=str(artifacts_dir / "patient.png"), full_page=True)

        # The evaluation's note is still unsigned: sign it from its button, with the attestation.
        page.check("form.sign-form input[name=attest]")
        page.click("text=Sign note")
        page.wait_for_selector(".messages .success")
        assert "Note signed and locked." in page.locator(".messages").inner_text()
        assert violations == []

    assert GoalView.objects.get(patient_id=patient.id).target == 1.1
    visits = VisitView.objects.filter(patient_id=patient.id)
    assert visits.count() == 2 and all(v.signed_at is not None for v in visits)


def test_other_pages_docs_and_lockout_obey_the_csp(live_server, settings, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """The pages the other browser tests do not open, the Swagger UI and the lockout page."""
    settings.AXES_FAILURE_LIMIT = 2
    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Policed")
    visit_id, _ = make_evaluation(practice.therapist, patient)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        violations = csp_violations(page)
        log_in(page, live_server.url, practice.therapist.username, PASSWORD)
        for path, ready in (
            ("/patients/new/", "form"),
            (f"/patients/{patient.id}/visits/{visit_id}/", "#analyses"),
            (f"/patients/{patient.id}/capture/", "#live"),
        ):
            page.goto(live_server.url + path)
            page.wait_for_selector(ready)
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".swagger-ui .info .title")
        page.wait_for_selector(".opblock-tag")  # the schema was fetched and rendered
        page.screenshot(path=str(artifacts_dir / "api_docs.png"))
        assert violations == []

        stranger = browser.new_page()
        violations = csp_violations(stranger)
        for _ in range(3):
            stranger.goto(f"{live_server.url}/login/")
            stranger.fill("#id_username", practice.other_therapist.username)
            stranger.fill("#id_password", "wrong")
            stranger.click("button[type=submit]")
        stranger.wait_for_selector("#lockout")
        assert "Try again after" in stranger.inner_text("#lockout")
        stranger.screenshot(path=str(artifacts_dir / "lockout.png"))
        assert violations == []


def test_other_therapists_patient_page_is_404(live_server, client) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist)
    client.force_login(practice.other_therapist)
    assert client.get(f"/patients/{patient.id}/").status_code == 404
    client.force_login(practice.therapist)
    assert client.get(f"/patients/{patient.id}/").status_code == 200


def test_stale_form_shows_a_conflict_message(client) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist)
    client.force_login(practice.therapist)
    body = {
        "expected_version": patient.version,
        "metric": "cadence",
        "comparator": ">=",
        "target": "100",
        "due_date": due().isoformat(),
    }
    client.post(f"/patients/{patient.id}/goals/new/", body)
    page = client.post(f"/patients/{patient.id}/goals/new/", body, follow=True)
    assert "Someone changed this record" in page.content.decode()
    assert GoalView.objects.filter(patient_id=patient.id).count() == 1


def test_progress_page_shows_goal_chart_with_target_line(live_server, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from clinic.services import goals, visits

    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Charted")
    visit_id, version = make_evaluation(practice.therapist, patient)
    version = goals.goal_set(
        user=practice.therapist,
        patient_id=patient.id,
        metric="gait_speed",
        baseline=0.6,
        target=1.0,
        comparator=">=",
        due_date=due(),
        expected_version=version,
    ).version
    for value in (0.62, 0.7):
        version = visits.measurement_record(
            user=practice.therapist,
            patient_id=patient.id,
            visit_id=visit_id,
            metric="gait_speed",
            value=value,
            expected_version=version,
        ).version
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        violations = csp_violations(page)
        log_in(page, live_server.url, practice.therapist.username, PASSWORD)
        page.goto(f"{live_server.url}/patients/{patient.id}/")
        page.click("text=Progress toward goals")
        page.wait_for_selector("#goal-charts svg.chart")
        chart = page.locator('svg.chart[data-metric="gait_speed"]')
        assert chart.locator('[data-role="target-line"]').count() == 1
        assert chart.locator('[data-role="point"]').count() == 2
        # The target line sits above both points (higher value = smaller y on screen).
        target_y = float(chart.locator('[data-role="target-line"]').get_attribute("y1") or 0)
        point_ys = [float(p.get_attribute("cy") or 0) for p in chart.locator('[data-role="point"]').all()]
        assert all(target_y < y for y in point_ys)
        assert "Session to session" in page.content()
        page.screenshot(path=str(artifacts_dir / "progress.png"), full_page=True)
        assert violations == []


def _store_recording(user, patient, visit_id, frames, *, shift_px: float = 0.0):  # type: ignore[no-untyped-def]
    """A stored recording made from the published squat landmarks (shifted ``shift_px`` to the right)."""
    import json as _json

    import numpy as np

    from tests.conftest import SHARED_DATA
    from tests.factories import store_recording

    ref = np.array(
        _json.loads((SHARED_DATA / "videos" / "squats_front.reference_blazepose_full_2d.json").read_text()),
        dtype=float,
    )[:frames]
    image = np.full((1, len(ref), 33, 4), np.nan)
    image[0, :, :, :3] = ref
    image[0, :, :, 0] += shift_px
    image[0, :, :, 3] = 0.9
    return store_recording(patient.id, visit_id, image)


def test_playback_scrubber_steps_a_frame(live_server, artifacts_dir: Path, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Played")
    visit_id, _ = make_evaluation(practice.therapist, patient)
    baseline = _store_recording(practice.therapist, patient, visit_id, 40)
    current = _store_recording(practice.therapist, patient, visit_id, 65, shift_px=5.0)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        violations = csp_violations(page)
        log_in(page, live_server.url, practice.therapist.username, PASSWORD)
        page.goto(f"{live_server.url}/patients/{patient.id}/playback/?a={current}&b={baseline}")
        page.wait_for_selector('#playback[data-ready="true"]')
        assert page.get_attribute("#canvas-a", "data-frame") == "0"
        assert int(page.get_attribute("#canvas-a", "data-drawn-landmarks") or 0) == 33
        assert "Norkin & White" in page.inner_text("#angle-convention")  # the server's convention
        page.click("#next-frame")
        assert page.get_attribute("#canvas-a", "data-frame") == "1"
        assert page.get_attribute("#canvas-b", "data-frame") == "1"
        page.fill("#scrubber", "50")
        page.dispatch_event("#scrubber", "input")
        # The baseline is shorter: it holds its last frame while this session plays on.
        assert page.get_attribute("#canvas-a", "data-frame") == "50"
        assert page.get_attribute("#canvas-b", "data-frame") == "39"
        page.click("#prev-frame")
        assert page.get_attribute("#canvas-a", "data-frame") == "49"
        page.screenshot(path=str(artifacts_dir / "playback.png"), full_page=True)
        assert violations == []
    other = make_practice("Other PT", prefix="o")
    from django.test import Client

    client = Client()
    client.force_login(other.admin)
    assert client.get(f"/patients/{patient.id}/sequences/{current}.json").status_code == 404


def test_recording_exports_round_trip(settings, tmp_path, client) -> None:  # type: ignore[no-untyped-def]
    import csv as _csv
    import io as _io
    import json as _json

    settings.MEDIA_ROOT = tmp_path
    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Exported")
    visit_id, _ = make_evaluation(practice.therapist, patient)
    sha = _store_recording(practice.therapist, patient, visit_id, 30)
    client.force_login(practice.therapist)
    text = client.get(f"/patients/{patient.id}/recordings/{sha}.csv").content.decode()
    convention, _, table = text.partition("\n")
    rows = list(_csv.DictReader(_io.StringIO(table)))
    data = _json.loads(client.get(f"/patients/{patient.id}/recordings/{sha}.json").content)
    # One convention, stated in both files (analysis.angles.CONVENTION): 0 = straight, flexion positive.
    assert convention.startswith("# ") and "flexion positive" in convention
    assert data["convention"] == convention[2:]
    assert len(rows) == len(data["frames"]) == 30 == data["sequence"]["frames"]
    assert list(rows[0]) == list(data["columns"])
    assert not any(name.endswith("_knee_angle_deg") for name in rows[0])  # no interior angles
    assert rows[7]["time_s"] == "1.4000" and data["frames"][7]["time_s"] == 1.4
    knee = [float(r["left_knee_flexion_image_plane_deg"]) for r in rows]
    assert knee == [f["left_knee_flexion_image_plane_deg"] for f in data["frames"]]
    # Standing at the start (a few degrees), then the first squat bends the knee past 60 deg.
    assert knee[0] < 15 and max(knee) > 60
    # Playback draws the same numbers, computed on the server in the same convention.
    played = _json.loads(client.get(f"/patients/{patient.id}/sequences/{sha}.json").content)
    assert played["convention"] == data["convention"]
    np_knee = played["angles"]["left_knee"]["deg"]
    assert all(abs(a - b) < 0.06 for a, b in zip(np_knee, knee, strict=True))
    assert data["gait_events"] == [] and data["analyses"] == []
    client.force_login(practice.other_therapist)
    assert client.get(f"/patients/{patient.id}/recordings/{sha}.csv").status_code == 404
