"""The Validation page in a real browser: no report yet, then the stored report's figures and
plots, its PDF, and the validated accuracy beside a value on the visit page."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from analysis.gait.contact import VIDEO_CONTACT_DEFINITION
from clinic.domain.events import MetricValue
from clinic.validation.cases import bundled_cases
from clinic.validation.html import render_html
from clinic.validation.pdf import render_pdf
from clinic.validation.present import accuracy_text, definition_lines, metric_rows
from clinic.validation.run import build_report, metric_entries
from clinic.validation.scoring import CaseResult, score_sections
from clinic.validation.store import write_report
from tests.e2e.browser import chromium, csp_violations, log_in
from tests.factories import PASSWORD, make_evaluation, make_patient, make_practice, store_analysis

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

VALUES = (
    MetricValue(metric="squat_depth", value=95.2, unit="deg", quality="fair", view="frontal"),
    MetricValue(metric="cadence", value=97.66, unit="steps/min", quality="good", view="sagittal"),
)


# A clinic names its cases as it likes: the page shows the name as typed, never as markup.
WALK_CASE = 'hallway <walk> & "turn"'


def _walk_case() -> CaseResult:
    """A walk clip's heel strikes scored without the pose model: found 2, 2, 3 frames after the
    annotated frames 30, 48 and 66 at 30 fps."""
    keys = ("file", "kind", "label", "frame_0based", "time_s", "tolerance_frames", "notes")
    annotations = tuple(
        dict(zip(keys, ("w.mp4", "heel_strike", f"HS{i}", str(f), f"{f / 30:.3f}", "2", ""), strict=True))
        for i, f in enumerate((30, 48, 66), start=1)
    )
    sections = {"gait": {"heel_strikes": [{"frame": 32}, {"frame": 50}, {"frame": 69}]}}
    return score_sections(
        CaseResult(WALK_CASE, "video", "test"), sections, annotations, sampling_rate_hz=30.0
    )


def _report(directory: Path) -> dict:  # type: ignore[type-arg]
    """A report of two quick bundled cases (one force-plate trial and the reference landmarks) and
    a walk case's heel strikes scored from given frames."""
    data = Path(django_settings.VALIDATION_DATA_DIR)
    if not data.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the bundled reference data is required under CI=true ({data})")
        pytest.skip(f"bundled reference data not at {data}")
    case_set = bundled_cases(data, video=False)
    case_set.cases = [
        c for c in case_set.cases if c.name in ("smk_overground", "squats_front.reference_blazepose_full_2d")
    ]
    report = build_report(case_set, video=False)
    report["cases"].append({"name": WALK_CASE, "kind": "video", "source": "test", "error": None})
    # Its heel strikes only: cadence stays unvalidated, as the visit page check below expects.
    report["metrics"] += [m for m in metric_entries([_walk_case()]) if m["code"] == "heel_strike_time_video"]
    write_report(directory, report=report, html=render_html(report), pdf=render_pdf(report))
    return report


def test_validation_page_and_accuracy_beside_a_value(
    live_server, settings, tmp_path: Path, artifacts_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    settings.VALIDATION_REPORT_DIR = tmp_path / "validation"
    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Validated")
    visit_id, _ = make_evaluation(practice.therapist, patient)
    store_analysis(patient.id, visit_id, VALUES)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        violations = csp_violations(page)
        log_in(page, live_server.url, practice.therapist.username, PASSWORD)
        page.click("header nav >> text=Validation")
        page.wait_for_selector("h1:has-text('Validation')")
        assert page.locator("#no-report").is_visible()
        page.goto(f"{live_server.url}/patients/{patient.id}/visits/{visit_id}/")
        assert page.locator("a.accuracy").count() == 0  # no report, no accuracy claimed

        report = _report(settings.VALIDATION_REPORT_DIR)
        page.goto(f"{live_server.url}/")
        page.click("header nav >> text=Validation")
        page.wait_for_selector(".validation-report")
        assert report["software_version"] in page.inner_text("[data-field=software]")
        for metric in report["metrics"]:
            block = page.locator(f'.validation-metric[data-metric="{metric["code"]}"]')
            shown = [
                [" ".join(cell.split()) for cell in row.locator("td").all_inner_texts()]
                for row in block.locator("tbody tr").all()
            ]
            assert shown == metric_rows(metric), metric["code"]
            assert block.locator('svg [data-role="point"]').count() == metric["pooled"]["n"]
            # The definition under the figures, and for the video instants the lag this run measured.
            assert block.locator("p.definition").all_inner_texts() == definition_lines(metric), metric["code"]
        strikes = page.locator('.validation-metric[data-metric="heel_strike_time_video"] p.definition')
        assert strikes.all_inner_texts() == [
            f"Definition: {VIDEO_CONTACT_DEFINITION}",
            f"In this run: median 2 frames (66.7 ms) late, range 2 to 3 frames, over 3 heel strikes of {WALK_CASE} at 30 fps.",
        ]
        assert page.locator("walk").count() == 0  # the case name's "<walk>" stayed text
        page.screenshot(path=str(artifacts_dir / "validation-page.png"), full_page=True)
        pdf = page.request.get(f"{live_server.url}/validation/latest.pdf")
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"
        figures = json.loads(page.request.get(f"{live_server.url}/validation/latest.json").body())
        assert figures["metrics"] == report["metrics"]

        page.goto(f"{live_server.url}/patients/{patient.id}/visits/{visit_id}/")
        depth = next(m for m in report["metrics"] if m["code"] == "squat_depth")
        note = page.locator('tr[data-metric="squat_depth"] a.accuracy')
        assert note.inner_text() == accuracy_text(depth)
        assert "validated on 1 case" in note.inner_text()
        # Cadence was not validated in this report (no video case ran): no accuracy is claimed.
        assert page.locator('tr[data-metric="cadence"] a.accuracy').count() == 0
        page.screenshot(path=str(artifacts_dir / "validation-visit.png"), full_page=True)
        note.click()
        page.wait_for_selector(".validation-report")
        assert violations == []


def test_validation_files_need_a_login_and_a_report(client, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.VALIDATION_REPORT_DIR = tmp_path / "none"
    assert client.get("/validation/").status_code == 302
    practice = make_practice()
    client.force_login(practice.therapist)
    assert client.get("/validation/latest.pdf").status_code == 404
    assert client.get("/validation/latest.exe").status_code == 404
