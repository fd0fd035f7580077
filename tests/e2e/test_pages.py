"""The pages in a real browser: log in, caseload with alerts, patient chart, add a goal and a signed note."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic.projections.models import GoalView, VisitView
from tests.e2e.browser import chromium
from tests.factories import PASSWORD, due, make_evaluation, make_patient, make_practice

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_therapist_adds_a_goal_and_a_signed_note(live_server, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Alvarez")
    make_evaluation(practice.therapist, patient)
    make_patient(practice.other_therapist, family_name="Hidden")

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
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

        # The evaluation's note is still unsigned: sign it from its button.
        page.click("text=Sign note")
        page.wait_for_selector(".messages .success")
        assert "Note signed and locked." in page.locator(".messages").inner_text()

    assert GoalView.objects.get(patient_id=patient.id).target == 1.1
    visits = VisitView.objects.filter(patient_id=patient.id)
    assert visits.count() == 2 and all(v.signed_at is not None for v in visits)


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
    from clinic.services import care

    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Charted")
    visit_id, version = make_evaluation(practice.therapist, patient)
    version = care.goal_set(
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
        version = care.measurement_record(
            user=practice.therapist,
            patient_id=patient.id,
            visit_id=visit_id,
            metric="gait_speed",
            value=value,
            expected_version=version,
        ).version
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", practice.therapist.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#caseload")
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
