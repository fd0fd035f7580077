"""Signed means locked, in a real browser: sign a note with the attestation on the patient page,
find the visit page's upload refused, amend the signed note there with a value that arrived after
signing, and see that an administrator is offered no clinical forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic.domain.events import MetricValue
from clinic.domain.visits import ATTESTATION
from clinic.projections.models import VisitView
from tests.e2e.browser import chromium, csp_violations, log_in
from tests.factories import PASSWORD, make_evaluation, make_patient, make_practice, store_analysis

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

KNEE = MetricValue(
    metric="knee_flexion_rom", value=68.61, unit="deg", side="left", quality="good", view="sagittal"
)
TRICKY = 'Side was "right" <not left> & corrected'


def test_therapist_signs_then_amends_the_signed_note_from_the_page(live_server, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Amended")
    visit_id, _ = make_evaluation(practice.therapist, patient)
    analysis_id = store_analysis(patient.id, visit_id, [KNEE])  # finished before signing, not reviewed
    visit_url = f"{live_server.url}/patients/{patient.id}/visits/{visit_id}/"

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        violations = csp_violations(page)
        log_in(page, live_server.url, practice.therapist.username, PASSWORD)
        page.goto(f"{live_server.url}/patients/{patient.id}/")
        sign = page.locator("form.sign-form")
        assert ATTESTATION in sign.inner_text()
        sign.locator("input[name=attest]").check()
        sign.locator("button").click()
        page.wait_for_selector(".messages .success")
        assert "Attested: " + ATTESTATION in page.locator(f'[data-visit="{visit_id}"]').inner_text()
        assert page.locator(f'[data-visit="{visit_id}"] .capture-link').count() == 0  # locked: no capture

        page.goto(visit_url)
        assert "signed and locked" in page.locator("#upload-refused").inner_text()
        assert page.locator("#video-form").count() == 0
        row = page.locator(f"#value-{analysis_id}-0")
        assert "review it in an amendment" in row.inner_text() and row.locator("button").count() == 0

        form = page.locator("#amend-form")
        assert page.input_value("#amend-form textarea[name=assessment]") == "OA knee"  # starts from the note
        form.locator("input[name=reason]").fill(TRICKY)
        form.locator("textarea[name=objective]").fill("Left knee flexion 68.6° on video")
        form.locator(f"select[name='review-{analysis_id}-0-decision']").select_option("accept")
        form.locator("button[type=submit]").click()  # without the attestation: refused, typing kept
        page.wait_for_selector(".messages .error")
        assert "attestation" in page.locator(".messages").inner_text()
        assert page.input_value("#amend-form input[name=reason]") == TRICKY
        page.locator(f"#amend-form select[name='review-{analysis_id}-0-decision']").select_option("accept")
        page.locator("#amend-form input[name=attest]").check()
        page.locator("#amend-form button[type=submit]").click()
        page.wait_for_selector(".messages .success")

        amendment = page.locator("#visit-note .amend")
        text = amendment.inner_text()
        assert (
            TRICKY in text and "signed by Tess Tester, PT, DPT" in text and "Records 1 reviewed value" in text
        )
        assert "Attested: " + ATTESTATION in text
        assert page.locator(f"#value-{analysis_id}-0").get_attribute("data-status") == "final"
        assert "OA knee" in page.locator("#visit-note dl.soap").first.inner_text()  # the original stays
        page.screenshot(path=str(artifacts_dir / "visit_amended.png"), full_page=True)

        page.goto(f"{live_server.url}/patients/{patient.id}/capture/?visit={visit_id}")
        assert "signed and" in page.locator("#capture-refused").inner_text()
        assert page.locator("#live").count() == 0
        assert violations == []

    visit = VisitView.objects.get(visit_id=visit_id)
    [measured] = visit.measurements
    assert measured["value"] == 68.61 and measured["amendment_id"] == visit.amendments[0]["amendment_id"]


def test_an_administrator_sees_the_chart_without_clinical_forms(live_server, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Readonly")
    visit_id, _ = make_evaluation(practice.therapist, patient)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        log_in(page, live_server.url, practice.admin.username, PASSWORD)
        page.goto(f"{live_server.url}/patients/{patient.id}/")
        assert page.locator("#patient-name").inner_text() == "Ana Readonly"
        for form in ("#goal-form", "#visit-form", "#plan-form", "form.sign-form", ".capture-link"):
            assert page.locator(form).count() == 0, form
        assert page.locator("#documents a").count() >= 4  # reads and exports
        page.screenshot(path=str(artifacts_dir / "patient_admin.png"), full_page=True)
        page.goto(f"{live_server.url}/patients/{patient.id}/visits/{visit_id}/")
        assert "only clinicians" in page.locator("#upload-refused").inner_text()
        assert page.locator("#video-form").count() == 0
