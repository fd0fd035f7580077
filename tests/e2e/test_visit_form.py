"""The visit form in a real browser: a refused form keeps everything typed and stores nothing;
procedures entered with the note are stored with it and show their units."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic.projections.models import VisitView
from tests.e2e.browser import chromium, csp_violations, log_in
from tests.factories import PASSWORD, make_evaluation, make_patient, make_practice

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SUBJECTIVE = 'Knee "gives way" on stairs & <kneels> with pain'


def test_a_refused_visit_form_keeps_its_text_and_stores_nothing(live_server, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Refused")
    make_evaluation(practice.therapist, patient)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        violations = csp_violations(page)
        log_in(page, live_server.url, practice.therapist.username, PASSWORD)
        page.goto(f"{live_server.url}/patients/{patient.id}/")
        page.wait_for_selector("#visit-form")
        page.select_option("#visit-form select[name=visit_type]", "treatment")
        page.fill("#visit-form textarea[name=subjective]", SUBJECTIVE)
        page.fill("#visit-form textarea[name=objective]", "Squat to 90 deg")
        page.select_option("#visit-form select[name=procedure_1_code]", "97110")
        page.fill("#visit-form input[name=procedure_1_minutes]", "23")
        page.select_option("#visit-form select[name=procedure_2_code]", "97140")
        page.fill("#visit-form input[name=procedure_2_minutes]", "15")
        page.check("#visit-form input[name=sign]")  # no assessment or plan: signing is refused
        page.click("#visit-form button[type=submit]")
        page.wait_for_selector(".messages .error")
        assert "signed with its assessment and plan" in page.locator(".messages").inner_text()
        assert page.input_value("#visit-form textarea[name=subjective]") == SUBJECTIVE
        assert page.input_value("#visit-form textarea[name=objective]") == "Squat to 90 deg"
        assert page.input_value("#visit-form select[name=procedure_1_code]") == "97110"
        assert page.input_value("#visit-form input[name=procedure_2_minutes]") == "15"
        assert page.is_checked("#visit-form input[name=sign]")
        page.screenshot(path=str(artifacts_dir / "visit-form-refused.png"), full_page=True)
        assert VisitView.objects.filter(patient_id=patient.id).count() == 1  # the evaluation only

        # Completed and sent again, the same form stores the visit, its procedures and signature.
        page.fill("#visit-form textarea[name=assessment]", "Gait improving.")
        page.fill("#visit-form textarea[name=plan]", "Progress balance work.")
        page.click("#visit-form button[type=submit]")
        page.wait_for_selector(".messages .success")
        assert page.locator(".messages").inner_text().strip() == "Visit recorded and note signed."
        shown = page.locator(".visit .procedures").first.inner_text()
        assert "97110 Therapeutic exercise 23 min, 2 units" in shown
        assert "97140 Manual therapy 15 min, 1 unit" in shown
        assert "timed 38 min = 3 units (8-minute rule)" in shown
        assert violations == []
    treatment = VisitView.objects.get(patient_id=patient.id, visit_type="treatment")
    assert treatment.signed_at is not None
    assert treatment.note["subjective"] == SUBJECTIVE
    assert treatment.procedures == [{"code": "97110", "minutes": 23}, {"code": "97140", "minutes": 15}]
