"""The review step on the visit page, in a real browser: accept one value, reject one with a reason.

The analysis is stored through the domain (as the analysis task stores one), so no pose model runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.angles import CONVENTION
from clinic.domain.events import MetricValue, WithheldValue
from clinic.projections.models import AnalysisView, GoalView, TimelineEntry
from clinic.services import goals
from tests.e2e.browser import chromium, csp_violations, log_in
from tests.factories import PASSWORD, due, make_evaluation, make_patient, make_practice, store_analysis

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

VALUES = (
    MetricValue(metric="gait_speed", value=1.1234, unit="m/s", quality="good", view="sagittal",
                method="pelvis travel over the walking bout"),
    MetricValue(metric="knee_flexion_rom", value=62.4, unit="deg", side="left", quality="fair", view="sagittal"),
    MetricValue(metric="cadence", value=97.66, unit="steps/min", quality="good", view="sagittal"),
    MetricValue(metric="squat_complete_reps", value=4.0, unit="count", quality="good", view="frontal"),
)  # fmt: skip
WITHHELD = WithheldValue(
    metric="shoulder_flexion_rom", side="right", code="wrong_view",
    reason="shoulder flexion needs a side view; this recording is frontal",
)  # fmt: skip


def test_therapist_accepts_one_value_and_rejects_one_with_a_reason(live_server, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Reviewed")
    visit_id, version = make_evaluation(practice.therapist, patient)
    goal = goals.goal_set(
        user=practice.therapist, patient_id=patient.id, metric="gait_speed", baseline=0.6, target=1.0,
        comparator=">=", due_date=due(), expected_version=version,
    )  # fmt: skip
    analysis_id = store_analysis(patient.id, visit_id, VALUES, withheld=(WITHHELD,))

    def row(index: int) -> str:
        return f"#value-{analysis_id}-{index}"

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        violations = csp_violations(page)
        log_in(page, live_server.url, practice.therapist.username, PASSWORD)
        page.goto(f"{live_server.url}/patients/{patient.id}/visits/{visit_id}/")
        page.wait_for_selector("table.review")
        # Honest presentation: precision per unit, counts as integers, the convention once per table.
        values = [page.locator(f"{row(i)} td.num").inner_text() for i in range(4)]
        assert values == ["1.12 m/s", "62°", "97.7 steps/min", "4 repetitions"]
        assert page.locator("table.review caption").inner_text().count(CONVENTION) == 1
        assert (
            "good" in page.locator(row(0)).inner_text()
            and "pelvis travel" in page.locator(row(0)).inner_text()
        )
        assert (
            "shoulder flexion needs a side view; this recording is frontal"
            in page.locator(".withheld").inner_text()
        )
        assert [page.locator(f"{row(i)}").get_attribute("data-status") for i in range(4)] == [
            "preliminary"
        ] * 4
        assert page.locator(f"{row(3)} button[value=accept]").count() == 0  # not a goal metric: reject only

        page.click(f"{row(0)} button[value=accept]")
        page.wait_for_selector(".messages .success")
        assert page.locator(row(0)).get_attribute("data-status") == "final"
        assert (
            "Accepted" in page.locator(row(0)).inner_text()
            and "Tess Tester" in page.locator(row(0)).inner_text()
        )

        # A rejection without a reason is refused; an edit out of range keeps what was typed.
        page.click(f"{row(1)} button[value=reject]")
        page.wait_for_selector(".messages .error")
        assert "reason is required" in page.locator(".messages").inner_text()
        page.fill(f"{row(2)} input[name=value]", "500")
        page.fill(f"{row(2)} input[name=reason]", "counted by hand over 30 s")
        page.click(f"{row(2)} button[value=edit]")
        page.wait_for_selector(".messages .error")
        assert "outside" in page.locator(".messages").inner_text()
        assert page.input_value(f"{row(2)} input[name=reason]") == "counted by hand over 30 s"
        assert page.input_value(f"{row(2)} input[name=value]") == "500"

        page.fill(f"{row(1)} input[name=reason]", "knee hidden behind the chair")
        page.click(f"{row(1)} button[value=reject]")
        page.wait_for_selector(".messages .success")
        knee = page.locator(row(1))
        assert knee.get_attribute("data-status") == "rejected"
        assert "knee hidden behind the chair" in knee.inner_text() and "Tess Tester" in knee.inner_text()
        page.screenshot(path=str(artifacts_dir / "visit_review.png"), full_page=True)
        assert violations == []

    assert GoalView.objects.get(goal_id=goal.id).achievement_status == "achieved"
    reviews = AnalysisView.objects.get(analysis_id=analysis_id).reviews
    assert {k: v["status"] for k, v in reviews.items()} == {"0": "final", "1": "rejected"}
    assert TimelineEntry.objects.filter(patient_id=patient.id, kind="review").count() == 2
