"""Clinician review before the record: preliminary analysis values move nothing; reviewed ones do.

Analyses are stored through the domain (``store_analysis``), as the analysis task stores them,
so no pose model runs here. Documents are read as their users read them: the PDF's text, the
progress page's charts, the FHIR bundle validated against the FHIR R4B models.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from analysis.angles import CONVENTION
from clinic import selectors
from clinic.domain.errors import InvalidState
from clinic.domain.events import MetricValue, WithheldValue
from clinic.domain.vocabulary import METRICS
from clinic.projections.models import AnalysisView, GoalView, TimelineEntry, VisitView
from clinic.reports import services as reports
from clinic.services import goals
from tests.factories import due, make_evaluation, make_patient, make_practice, review_value, store_analysis
from tests.unit.reports.test_pdf_text import pdf_text

pytestmark = pytest.mark.django_db(transaction=True)

SPEED = MetricValue(
    metric="gait_speed", value=1.1, unit="m/s", quality="good", view="sagittal",
    method="pelvis travel over the walking bout",
)  # fmt: skip
KNEE = MetricValue(
    metric="knee_flexion_rom", value=62.0, unit="deg", side="left", quality="fair", view="sagittal"
)
CADENCE = MetricValue(metric="cadence", value=900.0, unit="steps/min", quality="poor", view="sagittal")
KNEE_LABEL = METRICS["knee_flexion_rom"].label
WITHHELD = WithheldValue(
    metric="shoulder_flexion_rom",
    side="right",
    code="wrong_view",
    reason="shoulder flexion needs a side view",
)


@pytest.fixture
def episode() -> dict[str, Any]:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, version = make_evaluation(practice.therapist, patient)
    goal = goals.goal_set(
        user=practice.therapist, patient_id=patient.id, metric="gait_speed", baseline=0.6, target=1.0,
        comparator=">=", due_date=due(), expected_version=version,
    )  # fmt: skip
    analysis_id = store_analysis(patient.id, visit_id, (SPEED, KNEE, CADENCE), withheld=(WITHHELD,))
    return {"practice": practice, "user": practice.therapist, "patient_id": patient.id, "visit_id": visit_id,
            "goal_id": goal.id, "analysis_id": analysis_id}  # fmt: skip


def _fhir_observations(user: Any, patient_id: Any) -> list[dict[str, Any]]:
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.observation import Observation

    data = json.loads(reports.patient_fhir(user=user, patient_id=patient_id).content)
    Bundle.model_validate(data)
    found = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Observation"]
    for resource in found:
        Observation.model_validate(resource)
    return found


def _evaluation_text(user: Any, patient_id: Any) -> str:
    return pdf_text(reports.patient_report(user=user, patient_id=patient_id, kind="evaluation").content)


def test_preliminary_values_move_no_goal_chart_document_or_alert(episode: dict[str, Any]) -> None:
    user, pid = episode["user"], episode["patient_id"]
    goal = GoalView.objects.get(goal_id=episode["goal_id"])
    assert (goal.latest_value, goal.achievement_status) == (None, "in-progress")
    assert VisitView.objects.get(visit_id=episode["visit_id"]).measurements == []
    text = _evaluation_text(user, pid)
    assert "No objective measures recorded." in text and "1.1" not in text  # no current value
    progress = reports.progress_view(user=user, patient_id=pid)
    assert progress["record"].measurements == ()
    alerts = {a.code for a in selectors.patient_chart(user=user, patient_id=pid)["alerts"]}
    assert "progress_report_due" not in alerts
    # The analyses read model lists every value as preliminary, and what was withheld and why.
    analysis = AnalysisView.objects.get(analysis_id=episode["analysis_id"])
    assert analysis.reviews == {}
    assert analysis.withheld == [
        {"metric": "shoulder_flexion_rom", "side": "right", "code": "wrong_view",
         "reason": "shoulder flexion needs a side view"}
    ]  # fmt: skip
    # FHIR: the plausible unreviewed values are preliminary observations; 900 steps/min is not exported.
    observations = _fhir_observations(user, pid)
    assert sorted((o["code"]["coding"][0]["code"], o["status"]) for o in observations) == [
        ("gait_speed", "preliminary"), ("knee_flexion_rom", "preliminary"),
    ]  # fmt: skip


def test_accepting_moves_goal_chart_and_documents(episode: dict[str, Any]) -> None:
    user, pid = episode["user"], episode["patient_id"]
    review_value(user, pid, episode["analysis_id"], 0)
    goal = GoalView.objects.get(goal_id=episode["goal_id"])
    assert (goal.latest_value, goal.achievement_status, goal.progress_percent) == (1.1, "achieved", 125.0)
    [measured] = VisitView.objects.get(visit_id=episode["visit_id"]).measurements
    assert (measured["value"], measured["method"], measured["quality"], measured["review"]) == (
        1.1, "video", "good", "accepted",
    )  # fmt: skip
    chart = reports.progress_view(user=user, patient_id=pid)["charts"][0]
    assert chart["svg"].count('data-role="point"') == 1
    text = _evaluation_text(user, pid)
    assert "1.10 m/s" in text and "Video, sagittal" in text and "good" in text
    speed = next(o for o in _fhir_observations(user, pid) if o["code"]["coding"][0]["code"] == "gait_speed")
    assert speed["status"] == "final"
    assert speed["device"]["display"] == "Movement clinic pose analysis test-1.0"
    assert "pelvis travel over the walking bout" in speed["method"]["text"]
    assert "sagittal view" in speed["method"]["text"] and "quality good" in speed["method"]["text"]
    review = AnalysisView.objects.get(analysis_id=episode["analysis_id"]).reviews["0"]
    assert (review["status"], review["reviewer"], review["credentials"]) == (
        "final",
        "Tess Tester",
        "PT, DPT",
    )


def test_rejecting_leaves_an_audit_entry_with_who_and_why(episode: dict[str, Any]) -> None:
    user, pid = episode["user"], episode["patient_id"]
    review_value(user, pid, episode["analysis_id"], 1, "reject", reason="knee hidden behind the chair")
    assert VisitView.objects.get(visit_id=episode["visit_id"]).measurements == []
    entry = TimelineEntry.objects.filter(patient_id=pid, kind="review").get()
    assert (
        entry.summary
        == f"{KNEE_LABEL} (left) 62° rejected by Tess Tester, PT, DPT: knee hidden behind the chair"
    )
    assert entry.actor == user.username
    review = AnalysisView.objects.get(analysis_id=episode["analysis_id"]).reviews["1"]
    assert (review["status"], review["value"], review["machine_value"], review["reason"]) == (
        "rejected", None, 62.0, "knee hidden behind the chair",
    )  # fmt: skip
    with pytest.raises(InvalidState):
        review_value(user, pid, episode["analysis_id"], 1, "accept")


def test_editing_records_the_clinicians_value_and_keeps_the_machines(episode: dict[str, Any]) -> None:
    user, pid = episode["user"], episode["patient_id"]
    review_value(user, pid, episode["analysis_id"], 1, "edit", value=55.0, reason="goniometer: 55 deg")
    [measured] = VisitView.objects.get(visit_id=episode["visit_id"]).measurements
    assert (measured["metric"], measured["value"], measured["side"], measured["review"]) == (
        "knee_flexion_rom", 55.0, "left", "edited",
    )  # fmt: skip
    review = AnalysisView.objects.get(analysis_id=episode["analysis_id"]).reviews["1"]
    assert (review["status"], review["machine_value"], review["value"]) == ("amended", 62.0, 55.0)
    knee = next(
        o for o in _fhir_observations(user, pid) if o["code"]["coding"][0]["code"] == "knee_flexion_rom"
    )
    assert knee["status"] == "amended" and knee["valueQuantity"]["value"] == 55.0
    entry = TimelineEntry.objects.filter(patient_id=pid, kind="review").get()
    assert "62° edited to 55°" in entry.summary and entry.summary.endswith("goniometer: 55 deg")
    text = _evaluation_text(user, pid)
    assert "55° " in text and "Video, sagittal, edited" in text
    assert text.count(CONVENTION) == 1
    # The progress page: the angle to the degree, the convention once under the table.
    browser = Client()
    browser.force_login(user)
    page = browser.get(f"/patients/{pid}/progress/").content.decode()
    comparison = page[page.index('id="comparison"') :]
    assert '<td class="num">55' in comparison and "55.00" not in comparison
    assert comparison.count(escape(CONVENTION)) == 1


def test_a_goal_is_achieved_only_from_final_values(episode: dict[str, Any]) -> None:
    user, pid = episode["user"], episode["patient_id"]
    # A preliminary 1.1 m/s meets the target but achieves nothing; rejected, it never will.
    review_value(user, pid, episode["analysis_id"], 0, "reject", reason="timed the wrong walker")
    assert GoalView.objects.get(goal_id=episode["goal_id"]).achievement_status == "in-progress"
    second = store_analysis(
        pid, episode["visit_id"], (MetricValue(metric="gait_speed", value=1.2, unit="m/s"),)
    )
    assert GoalView.objects.get(goal_id=episode["goal_id"]).achievement_status == "in-progress"
    review_value(user, pid, second, 0)
    goal = GoalView.objects.get(goal_id=episode["goal_id"])
    assert (goal.latest_value, goal.achievement_status) == (1.2, "achieved")
