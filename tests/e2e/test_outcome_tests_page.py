"""Outcome tests on the visit page, in a real browser: the chosen test's protocol card, a Timed Up
and Go scored from a synthetic recording shown with its phases, its norm and the change since an
earlier visit against the MCID; the score accepted and then on the progress page.

The landmarks are synthetic (a known TUG: rise 1-2 s, 3 m out, turn 6.5-8 s, back, sit 13-14 s)
and go through the analysis step the task runs, so no pose model runs.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from capture.sequence import LandmarkSequence, encode_sequence
from clinic.analysis_jobs.config import analysis_config
from clinic.analysis_jobs.steps import analysis_step
from clinic.projections.models import AnalysisView, GoalView
from clinic.services import goals, visits
from tests.e2e.browser import chromium, csp_violations, log_in
from tests.factories import PASSWORD, due, make_patient, make_practice, store_analysis
from tests.unit.analysis.synthetic import to_landmarks
from tests.unit.analysis.test_outcome_tests import PX_PER_M, RATE, _tug_points

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _tug_analysis() -> tuple[tuple, dict, tuple]:  # type: ignore[type-arg]
    pts = _tug_points(1.0)
    image = to_landmarks(pts, mode="image", px_per_m=PX_PER_M)
    world = to_landmarks(pts, mode="world")
    sequence = LandmarkSequence(
        image=image[None], world=world[None], person_ids=(1,), subject=1, sampling_rate_hz=RATE,
        width_px=1920, height_px=1080, model="full",
    )  # fmt: skip
    done = analysis_step(
        encode_sequence(sequence), config=analysis_config({"activity": "tug", "refine_3d": False})
    )
    return done.metrics, done.summary, done.withheld


def test_tug_card_score_norm_mcid_review_and_progress(live_server, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Tugger")  # born 1950, female
    today = timezone.localdate()
    first = visits.visit_record(
        user=practice.therapist, patient_id=patient.id, visit_type="evaluation",
        visit_date=today - timedelta(days=14), expected_version=patient.version,
    )  # fmt: skip
    measured = visits.measurement_record(
        user=practice.therapist, patient_id=patient.id, visit_id=first.id, metric="timed_up_and_go",
        value=15.0, expected_version=first.version,
    )  # fmt: skip
    goal = goals.goal_set(
        user=practice.therapist, patient_id=patient.id, metric="timed_up_and_go", baseline=15.0, target=13.5,
        comparator="<=", due_date=due(), expected_version=measured.version,
    )  # fmt: skip
    second = visits.visit_record(
        user=practice.therapist, patient_id=patient.id, visit_type="treatment", visit_date=today,
        expected_version=goal.version,
    )  # fmt: skip
    metrics, summary, withheld = _tug_analysis()
    tug = next(m for m in metrics if m.metric == "timed_up_and_go")
    assert 12.5 < tug.value < 13.3  # the known TUG: 13 s less the rise and sit thresholds
    analysis_id = store_analysis(
        patient.id,
        second.id,
        metrics,
        withheld=withheld,
        summary=summary,
        config={"activity": "tug", "model": "full"},
    )
    index = list(metrics).index(tug)

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        violations = csp_violations(page)
        log_in(page, live_server.url, practice.therapist.username, PASSWORD)
        page.goto(f"{live_server.url}/patients/{patient.id}/visits/{second.id}/")
        # The protocol card of the chosen test only.
        page.select_option("#id_activity", "tug")
        card = page.locator('.protocol-card[data-activity="tug"]')
        assert card.is_visible() and "3 m" in card.inner_text() and "Tell the patient" in card.inner_text()
        assert not page.locator('.protocol-card[data-activity="ten_metre_walk"]').is_visible()
        page.select_option("#id_activity", "ten_metre_walk")
        walk = page.locator('.protocol-card[data-activity="ten_metre_walk"]')
        assert walk.is_visible() and "timed section from the side" in walk.inner_text()
        assert not card.is_visible()
        page.select_option("#id_activity", "tug")
        # The score with its phases, norm and change against the MCID.
        panel = page.locator(".outcome-panel")
        text = panel.inner_text()
        assert "Timed Up and Go test" in text
        assert "Phases: sit to stand" in text and "turn and sit" in text
        assert "12 s or more: fall risk" in text and "CDC STEADI" in text
        since = (today - timedelta(days=14)).isoformat()
        assert f"since {since}, at or above the MCID of 0.80 s: a meaningful improvement" in text
        assert "for women aged 76" in text
        page.screenshot(path=str(artifacts_dir / "visit_outcome_tug.png"), full_page=True)
        # The score goes through the review like any value, then reaches the goal and progress.
        row = f"#value-{analysis_id}-{index}"
        assert page.locator(row).get_attribute("data-status") == "preliminary"
        page.click(f"{row} button[value=accept]")
        page.wait_for_selector(".messages .success")
        assert page.locator(row).get_attribute("data-status") == "final"
        page.goto(f"{live_server.url}/patients/{patient.id}/progress/")
        comparison = page.locator("#comparison").inner_text()
        assert "Timed Up and Go" in comparison and f"{tug.value:.2f}" in comparison
        # The accepted score on the progress page: its norm and its change against the MCID.
        norms_card = page.locator("#outcome-norms").inner_text()
        assert "12 s or more: fall risk" in norms_card and "CDC STEADI" in norms_card
        assert f"since {since}, at or above the MCID of 0.80 s: a meaningful improvement" in norms_card
        assert page.locator('[data-goal] [data-role="norm-line"]').count() == 1  # the 12 s cut-off
        page.screenshot(path=str(artifacts_dir / "progress_outcome_tug.png"), full_page=True)
        assert violations == []

    assert GoalView.objects.get(goal_id=goal.id).achievement_status == "achieved"
    assert AnalysisView.objects.get(analysis_id=analysis_id).reviews[str(index)]["status"] == "final"
