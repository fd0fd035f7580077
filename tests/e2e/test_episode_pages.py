"""The course of an episode on the pages: goals revised and discontinued, refused forms that keep
what was typed, direction-aware labels and colours, the paged chart, and discharge with a summary."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from clinic.projections.models import GoalView, PatientSummary, TimelineEntry, VisitView
from clinic.services import goals, visits
from tests.e2e.browser import chromium, csp_violations, log_in
from tests.factories import PASSWORD, due, make_patient, make_practice

pytestmark = [pytest.mark.django_db(transaction=True)]

TRICKY = '<b>"R<L" & 5</b>'


def _goal(user, patient, *, metric: str = "gait_speed", target: float = 1.1, baseline: float = 0.7):  # type: ignore[no-untyped-def]
    written = goals.goal_set(
        user=user,
        patient_id=patient.id,
        metric=metric,
        target=target,
        comparator=">=" if target > baseline else "<=",
        baseline=baseline,
        due_date=due(),
        expected_version=patient.version,
    )
    return written


def _measured(user, patient_id, version: int, *values: tuple[str, float], days_ago: int = 0) -> int:  # type: ignore[no-untyped-def]
    """A visit with measurements (the episode's first is its evaluation); returns the stream version."""
    first = not VisitView.objects.filter(patient_id=patient_id).exists()
    visit = visits.visit_record(
        user=user,
        patient_id=patient_id,
        visit_type="evaluation" if first else "treatment",
        visit_date=timezone.localdate() - timedelta(days=days_ago),
        expected_version=version,
    )
    version = visit.version
    for metric, value in values:
        version = visits.measurement_record(
            user=user,
            patient_id=patient_id,
            visit_id=visit.id,
            metric=metric,
            value=value,
            expected_version=version,
        ).version
    return version


def _page(client, patient_id) -> str:  # type: ignore[no-untyped-def]
    return client.get(f"/patients/{patient_id}/").content.decode()


# --- refused forms keep what was typed ---------------------------------------------------------


def test_refused_goal_form_keeps_everything_typed(client) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist)
    client.force_login(practice.therapist)
    body = {
        "expected_version": patient.version,
        "metric": "cadence",
        "comparator": ">=",
        "target": "104",
        "baseline": "88",
        "due_date": "2099-12-31",
        "description": TRICKY,
    }
    response = client.post(f"/patients/{patient.id}/goals/new/", body, follow=True)
    html = response.content.decode()
    assert response.status_code == 400
    assert "2099-12-31" in html and "is after" in html  # the reason, with the horizon
    form = html[html.index('id="goal-form"') :]
    form = form[: form.index("</form>")]
    assert 'value="104"' in form and 'value="88"' in form and 'value="2099-12-31"' in form
    assert '<option value="cadence" selected>' in form
    assert 'value="&lt;b&gt;&quot;R&lt;L&quot; &amp; 5&lt;/b&gt;"' in form  # escaped, not lost
    assert not GoalView.objects.filter(patient_id=patient.id).exists()


def test_refused_new_patient_form_keeps_everything_typed(client) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    client.force_login(practice.therapist)
    body = {
        "given_name": "Rosa",
        "family_name": TRICKY,
        "date_of_birth": "1961-04-05",
        "sex": "female",
        "diagnosis_code": "KNEE",  # not an ICD-10 code: the domain refuses it
        "diagnosis_description": "Left knee pain",
        "referring_physician": "Dr Ruiz",
        "payer": "Aetna",
        "payer_member_id": "A77",
        "phone": "555-0199",
        "email": "rosa@example.org",
        "address": "2 Oak St",
    }
    html = client.post("/patients/new/", body).content.decode()
    assert "is not an ICD-10 code (for example M17.11)" in html
    for value in ("Rosa", "1961-04-05", "KNEE", "Left knee pain", "Dr Ruiz", "Aetna", "A77", "555-0199"):
        assert f'value="{value}"' in html, value
    assert "&lt;b&gt;&quot;R&lt;L&quot; &amp; 5&lt;/b&gt;" in html and TRICKY not in html
    assert not PatientSummary.objects.exists()


# --- revising and discontinuing goals from the page --------------------------------------------


def test_goal_is_revised_and_a_refused_revision_keeps_its_typing(client) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist)
    goal = _goal(practice.therapist, patient)
    client.force_login(practice.therapist)
    prefix = f"g{goal.id.hex[:8]}"
    url = f"/patients/{patient.id}/goals/{goal.id}/revise/"
    typed = {
        f"{prefix}-expected_version": goal.version,
        f"{prefix}-comparator": ">=",
        f"{prefix}-target": "1.25",
        f"{prefix}-due_date": (timezone.localdate() + timedelta(days=400)).isoformat(),
        f"{prefix}-description": "",
        f"{prefix}-reason": "walks further",
    }
    refused = client.post(url, typed)
    html = refused.content.decode()
    assert refused.status_code == 400 and "365 days" in html
    edit = html[html.index(f'id="goal-edit-{goal.id}"') :]
    assert (
        edit.split(">", 1)[0].endswith(" open") and 'value="1.25"' in edit and 'value="walks further"' in edit
    )
    assert GoalView.objects.get(goal_id=goal.id).target == 1.1

    ok = client.post(url, {**typed, f"{prefix}-due_date": due(60).isoformat()}, follow=True)
    assert "Goal revised." in ok.content.decode()
    view = GoalView.objects.get(goal_id=goal.id)
    assert (view.target, view.due_date) == (1.25, due(60))
    assert TimelineEntry.objects.filter(patient_id=patient.id, summary__contains="Goal revised").exists()


def test_goal_discontinued_with_a_reason_and_a_mistaken_goal_removed(client) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist)
    goal = _goal(practice.therapist, patient)
    client.force_login(practice.therapist)
    prefix = f"s{goal.id.hex[:8]}"
    url = f"/patients/{patient.id}/goals/{goal.id}/status/"
    body = {f"{prefix}-expected_version": goal.version, f"{prefix}-lifecycle_status": "cancelled"}
    refused = client.post(url, {**body, f"{prefix}-reason": ""})
    assert refused.status_code == 400 and "Say why the goal is cancelled" in refused.content.decode()
    assert GoalView.objects.get(goal_id=goal.id).lifecycle_status == "active"

    client.post(
        url, {**body, f"{prefix}-lifecycle_status": "entered-in-error", f"{prefix}-reason": "wrong patient"}
    )
    view = GoalView.objects.get(goal_id=goal.id)
    assert (view.lifecycle_status, view.lifecycle_reason) == ("entered-in-error", "wrong patient")
    html = _page(client, patient.id)
    row = re.search(rf'<tr data-goal="{goal.id}"[^>]*>', html)
    assert row and 'class="struck"' in row.group(0)
    assert f'id="goal-edit-{goal.id}"' not in html  # nothing left to edit
    # and the API says the same
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(practice.therapist)
    response = api.put(
        f"/api/patients/{patient.id}/goals/{goal.id}/",
        {
            "target": 1.3,
            "comparator": ">=",
            "due_date": due().isoformat(),
            "expected_version": view_version(patient.id),
        },
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "goal_closed"


def view_version(patient_id) -> int:  # type: ignore[no-untyped-def]
    return PatientSummary.objects.get(patient_id=patient_id).stream_version


# --- direction-aware labels and colours --------------------------------------------------------


def test_knee_flexion_78_to_109_reads_improving_after_a_plateau(client) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist)
    goal = _goal(practice.therapist, patient, metric="knee_flexion_rom", target=115, baseline=78)
    version = _measured(
        practice.therapist, patient.id, goal.version, ("knee_flexion_rom", 109.43), days_ago=3
    )
    _measured(practice.therapist, patient.id, version, ("knee_flexion_rom", 109.43))
    assert GoalView.objects.get(goal_id=goal.id).achievement_status == "improving"


def test_session_table_colours_a_faster_timed_up_and_go_as_better(client) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist)
    version = _measured(
        practice.therapist,
        patient.id,
        patient.version,
        ("timed_up_and_go", 14.0),
        ("gait_speed", 0.9),
        days_ago=7,
    )
    _measured(practice.therapist, patient.id, version, ("timed_up_and_go", 12.0), ("gait_speed", 0.8))
    client.force_login(practice.therapist)
    html = client.get(f"/patients/{patient.id}/progress/").content.decode()
    table = html[html.index('id="comparison"') :]
    rows = {r.split("<td>", 1)[1].split(" <span", 1)[0]: r for r in table.split("<tr>")[2:]}
    assert 'class="change better"' in rows["Timed Up and Go"] and "-2" in rows["Timed Up and Go"]
    assert 'class="change worse"' in rows["Gait speed"]


# --- the chart of a long episode ---------------------------------------------------------------


@pytest.mark.browser
def test_long_chart_pages_visits_and_filters_the_timeline(live_server, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Longstay")
    version = patient.version
    for days_ago in range(39, 0, -1):
        version = _measured(
            practice.therapist, patient.id, version, ("gait_speed", 0.5 + days_ago / 100), days_ago=days_ago
        )
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        violations = csp_violations(page)
        log_in(page, live_server.url, practice.therapist.username, PASSWORD)
        page.goto(f"{live_server.url}/patients/{patient.id}/")
        page.wait_for_selector("#timeline")
        height = page.evaluate("document.documentElement.scrollHeight")
        page.screenshot(path=str(artifacts_dir / "long_chart.png"), full_page=True)
        assert height < 4000, height
        assert page.locator("#visits .visit").count() == 5
        first = page.locator("#visits .visit").first.inner_text()
        assert (timezone.localdate() - timedelta(days=1)).isoformat() in first  # newest first
        assert page.locator("#timeline li").count() == 20
        page.click("#visits a.older")
        page.wait_for_selector("#visits .visit")
        assert (timezone.localdate() - timedelta(days=6)).isoformat() in page.locator(
            "#visits .visit"
        ).first.inner_text()
        page.click('#timeline-filters a[data-kind="measurement"]')
        page.wait_for_selector("#timeline li")
        entries = page.locator("#timeline li").all_inner_texts()
        assert len(entries) == 20 and all("Gait speed" in e for e in entries)
        assert "of 39" in page.inner_text("#timeline-card h2")
        assert violations == []


# --- discharge with a summary ------------------------------------------------------------------


@pytest.mark.browser
def test_discharge_moves_the_patient_to_the_discharged_list(live_server, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist, family_name="Leaving")
    goal = _goal(practice.therapist, patient)
    make_patient(practice.therapist, family_name="Staying")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        violations = csp_violations(page)
        log_in(page, live_server.url, practice.therapist.username, PASSWORD)
        assert "Leaving" in page.inner_text("#caseload")
        page.click("text=Leaving, Ana")
        page.click("#discharge-link")
        page.wait_for_selector("#discharge-form")
        page.fill("#id_reason", "Goals met; independent at home")
        page.select_option(f"#id_goal_{goal.id}_status", "achieved")
        page.fill(f"#id_goal_{goal.id}_comment", "1.15 m/s on the last visit")
        page.fill("#id_recommendations", "Keep walking daily")
        page.fill("#id_home_programme", TRICKY)
        page.screenshot(path=str(artifacts_dir / "discharge_form.png"), full_page=True)
        page.click("#discharge-form button[type=submit]")
        page.wait_for_selector("#discharged")
        assert "discharged" in page.inner_text(".messages")
        assert "Leaving, Ana" in page.inner_text("#discharged")
        assert "Staying" not in page.inner_text("#discharged")
        page.screenshot(path=str(artifacts_dir / "discharged_list.png"), full_page=True)
        page.click("text=Caseload")
        page.wait_for_selector("#caseload")
        assert "Leaving" not in page.inner_text("#caseload") and "Staying" in page.inner_text("#caseload")
        page.click("#discharged-link")
        page.click("text=Leaving, Ana")
        page.wait_for_selector("#discharge-summary")
        summary = page.inner_text("#discharge-summary")
        assert "Keep walking daily" in summary and TRICKY in summary  # shown as typed, as text
        assert page.inner_text("[data-discharge-status]") == "achieved"
        page.screenshot(path=str(artifacts_dir / "discharged_chart.png"), full_page=True)
        assert violations == []
    view = GoalView.objects.get(goal_id=goal.id)
    assert (view.discharge_status, view.discharge_comment) == ("achieved", "1.15 m/s on the last visit")
    assert PatientSummary.objects.get(patient_id=patient.id).status == "discharged"


def test_refused_discharge_keeps_the_summary_typed(client) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist)
    goal = _goal(practice.therapist, patient)
    client.force_login(practice.therapist)
    body = {
        "expected_version": goal.version,
        "discharged_on": (timezone.localdate() - timedelta(days=400)).isoformat(),  # past the filing limit
        "reason": "Moved away",
        f"goal_{goal.id}_status": "not-achieved",
        f"goal_{goal.id}_comment": "0.9 m/s",
        "recommendations": "Continue at the new clinic",
        "home_programme": TRICKY,
    }
    response = client.post(f"/patients/{patient.id}/discharge/", body)
    html = response.content.decode()
    assert response.status_code == 400 and "365 days back" in html
    for typed in (
        "Moved away",
        "0.9 m/s",
        "Continue at the new clinic",
        "&lt;b&gt;&quot;R&lt;L&quot; &amp; 5&lt;/b&gt;",
    ):
        assert typed in html, typed
    assert '<option value="not-achieved" selected>' in html
    assert PatientSummary.objects.get(patient_id=patient.id).status == "active"


def test_discharge_pdf_prints_the_summary_from_the_api_discharge(artifacts_dir: Path) -> None:
    from rest_framework.test import APIClient

    from tests.e2e.test_reports import pdf_text

    practice = make_practice()
    patient = make_patient(practice.therapist)
    goal = _goal(practice.therapist, patient)
    version = _measured(practice.therapist, patient.id, goal.version, ("gait_speed", 1.15))
    api = APIClient()
    api.force_authenticate(practice.therapist)
    url = f"/api/patients/{patient.id}/discharge/"
    body = {
        "expected_version": version,
        "discharged_on": timezone.localdate().isoformat(),
        "reason": "Goals met",
    }
    missing = api.post(url, body, format="json")
    assert missing.status_code == 400 and missing.json()["details"]["goal_ids"] == [str(goal.id)]
    outcome = {"goal_id": str(goal.id), "achievement_status": "achieved", "comment": "walks to the shop"}
    written = api.post(
        url,
        {**body, "goal_outcomes": [outcome], "recommendations": "Walk daily", "home_programme": TRICKY},
        format="json",
    )
    assert written.status_code == 200, written.json()
    pdf = api.get(f"/api/patients/{patient.id}/reports/discharge/").content
    (artifacts_dir / "discharge_summary.pdf").write_bytes(pdf)
    text, _ = pdf_text(pdf)
    assert "Discharge summary" in text and "Reason: Goals met" in text
    assert "Status at discharge" in text and "achieved walks to the shop" in text and "1.15 m/s" in text
    assert "Walk daily" in text and TRICKY in text  # printed as typed, not read as markup


def test_api_revises_a_goal_within_the_plan_of_care() -> None:
    from rest_framework.test import APIClient

    from clinic.services import patients

    practice = make_practice()
    patient = make_patient(practice.therapist)
    goal = _goal(practice.therapist, patient)
    end = timezone.localdate() + timedelta(days=50)
    version = patients.plan_of_care_establish(
        user=practice.therapist,
        patient_id=patient.id,
        certification_start=timezone.localdate(),
        certification_end=end,
        frequency_per_week=2,
        duration_weeks=7,
        expected_version=goal.version,
    ).version
    api = APIClient()
    api.force_authenticate(practice.therapist)
    url = f"/api/patients/{patient.id}/goals/{goal.id}/"
    body = {"target": 1.2, "comparator": ">=", "expected_version": version, "reason": "faster than expected"}
    late = api.put(url, {**body, "due_date": (end + timedelta(days=1)).isoformat()}, format="json")
    assert late.status_code == 400 and late.json()["code"] == "invalid_date"
    assert late.json()["details"]["latest"] == end.isoformat()
    ok = api.put(url, {**body, "due_date": end.isoformat()}, format="json")
    assert ok.status_code == 200, ok.json()
    [listed] = api.get(f"/api/patients/{patient.id}/goals/").json()
    assert (listed["target"], listed["due_date"]) == (1.2, end.isoformat())
    assert listed["description"] == f"Gait speed >= 1.2 m/s by {end.isoformat()}"
