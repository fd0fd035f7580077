"""The plan of care with its physician certification, in a real browser: a refused form keeps what
was typed, a plan awaiting certification raises the caseload alert once treated under, and recording
the certification clears it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.e2e.browser import chromium, csp_violations, log_in
from tests.factories import PASSWORD, make_evaluation, make_patient, make_practice

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_plan_of_care_form_and_physician_certification(live_server, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Planned")
    make_evaluation(practice.therapist, patient)
    today = timezone.localdate()
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        violations = csp_violations(page)
        log_in(page, live_server.url, practice.therapist.username, PASSWORD)
        page.goto(f"{live_server.url}/patients/{patient.id}/")
        page.click("text=Write a plan of care")
        form = page.locator("#plan-form")
        form.locator("input[name=certification_end]").fill((today + timedelta(days=60)).isoformat())
        form.locator("input[name=interventions]").fill("Gait training & <balance>")
        form.locator("input[name=physician_name]").fill("Dr Lena Ortiz, MD")
        form.locator("input[name=physician_npi]").fill("1234567890")  # wrong check digit
        form.locator("input[name=certification_received_on]").fill(today.isoformat())
        form.locator("button[type=submit]").click()
        page.wait_for_selector(".messages .error")
        assert "not a valid NPI" in page.locator(".messages").inner_text()
        assert page.input_value("#plan-form input[name=interventions]") == "Gait training & <balance>"
        assert page.input_value("#plan-form input[name=physician_name]") == "Dr Lena Ortiz, MD"
        # Saved without the physician fields: the plan awaits the signed certification.
        for name in ("physician_name", "physician_npi", "certification_received_on"):
            page.fill(f"#plan-form input[name={name}]", "")
        page.click("#plan-form button[type=submit]")
        page.wait_for_selector(".messages .success")
        assert (
            "Awaiting the physician's signed certification"
            in page.locator("#physician-certification").inner_text()
        )

        page.goto(f"{live_server.url}/")
        assert page.locator('[data-alert="plan_uncertified"]').count() == 0  # not treated under it yet
        page.goto(f"{live_server.url}/patients/{patient.id}/")
        page.select_option("#visit-form select[name=visit_type]", "treatment")
        page.fill("#visit-form textarea[name=subjective]", "Walked to the clinic")
        page.click("#visit-form button[type=submit]")
        page.wait_for_selector(".messages .success")
        page.goto(f"{live_server.url}/")
        alert = page.locator('[data-alert="plan_uncertified"]')
        assert "uncertified plan of care" in alert.first.inner_text()
        page.screenshot(path=str(artifacts_dir / "caseload_uncertified.png"), full_page=True)

        page.goto(f"{live_server.url}/patients/{patient.id}/")
        page.click("text=Record the physician's certification")
        page.fill("#certify-form input[name=physician_name]", "Dr Lena Ortiz, MD")
        page.fill("#certify-form input[name=physician_npi]", "1234567893")
        page.click("#certify-form button[type=submit]")
        page.wait_for_selector(".messages .success")
        certification = page.locator("#physician-certification").inner_text()
        assert (
            f"Dr Lena Ortiz, MD, NPI 1234567893; signed certification received {today.isoformat()}"
            in certification
        )
        assert page.locator('[data-alert="plan_uncertified"]').count() == 0
        page.screenshot(path=str(artifacts_dir / "patient_plan_certified.png"), full_page=True)
        assert violations == []
