"""In a real browser: the unsigned-notes worklist on the caseload shows a note and clears when it
is signed; search and sort on the caseload; a goniometer value and a LEFS on the visit's pages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from clinic.services import visits
from tests.e2e.browser import chromium, csp_violations, log_in
from tests.factories import PASSWORD, make_patient, make_practice

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_unsigned_note_is_flagged_and_clears_when_signed(live_server, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    t = practice.therapist
    patient = make_patient(t, family_name="O'Brien & <Sons>")
    visit = visits.visit_record(
        user=t, patient_id=patient.id, visit_type="evaluation",
        visit_date=timezone.localdate() - timedelta(days=2), expected_version=patient.version,
    )  # fmt: skip
    visits.visit_note_write(
        user=t, patient_id=patient.id, visit_id=visit.id, subjective="Knee pain", assessment="OA knee",
        plan="PT 2x/week", expected_version=visit.version,
    )  # fmt: skip
    make_patient(t, family_name="Zimmer")

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        violations = csp_violations(page)
        log_in(page, live_server.url, t.username, PASSWORD)
        row = page.locator(f'#unsigned-notes tr[data-visit="{visit.id}"]')
        assert row.count() == 1
        assert "O'Brien & <Sons>, Ana" in row.inner_text()  # escaped, shown as typed
        assert "Evaluation" in row.inner_text() and "Over 24 h" in row.inner_text()
        assert page.locator('#caseload [data-alert="unsigned_notes"]').count() == 1
        page.screenshot(path=str(artifacts_dir / "caseload-worklist.png"), full_page=True)

        page.fill("#caseload-search input[name=q]", "zimm")
        page.click("#caseload-search button[type=submit]")
        page.wait_for_selector("#caseload")
        assert page.locator("#caseload tbody tr").count() == 1
        assert "Zimmer" in page.locator("#caseload tbody").inner_text()
        page.goto(f"{live_server.url}/?sort=alerts")
        first = page.locator("#caseload tbody tr").first.inner_text()
        assert "O'Brien" in first  # the overdue note makes it the most urgent

        row = page.locator(f'#unsigned-notes tr[data-visit="{visit.id}"]')
        row.locator("a").first.click()
        page.wait_for_selector("text=Sign note")
        sign = page.locator("form.sign-form").first
        sign.locator("input[name=attest]").check()  # signing affirms the attestation statement
        sign.locator("button").click()
        page.wait_for_selector(".messages .success")
        page.goto(f"{live_server.url}/")
        page.wait_for_selector("#unsigned-notes")
        assert page.locator(f'#unsigned-notes tr[data-visit="{visit.id}"]').count() == 0
        assert "Every note is signed." in page.locator("#unsigned-notes").inner_text()
        assert page.locator('#caseload [data-alert="unsigned_notes"]').count() == 0
        assert not violations, violations


def test_goniometer_value_and_lefs_on_the_visit_pages(live_server, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    t = practice.therapist
    patient = make_patient(t, family_name="Alvarez")
    visit = visits.visit_record(
        user=t, patient_id=patient.id, visit_type="evaluation", visit_date=timezone.localdate(),
        expected_version=patient.version,
    )  # fmt: skip
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        violations = csp_violations(page)
        log_in(page, live_server.url, t.username, PASSWORD)
        page.goto(f"{live_server.url}/patients/{patient.id}/visits/{visit.id}/")
        page.click("text=Record a measurement or score a questionnaire")
        page.wait_for_selector("#measurement-form")
        page.select_option("#measurement-form select[name=metric]", "knee_flexion_rom")
        page.fill("#measurement-form input[name=value]", "97")
        page.select_option("#measurement-form select[name=side]", "right")
        page.select_option("#measurement-form select[name=method]", "goniometer")
        page.click("#measurement-form button[type=submit]")
        page.wait_for_selector(".messages .success")
        assert "97°" in page.locator("#visit-measurements").inner_text()
        assert "goniometer" in page.locator("#visit-measurements").inner_text()
        page.screenshot(path=str(artifacts_dir / "visit-measurements.png"), full_page=True)

        page.click("a:has-text('Lower Extremity Functional Scale')")
        page.wait_for_selector("#questionnaire-form")
        for n in range(1, 21):
            page.select_option(f"#questionnaire-form select[name=item_{n}]", "2")
        page.click("#questionnaire-form button[type=submit]")
        page.wait_for_selector(".messages .success")
        assert "40" in page.locator("#score-history").inner_text()
        page.screenshot(path=str(artifacts_dir / "questionnaire-lefs.png"), full_page=True)
        assert not violations, violations
