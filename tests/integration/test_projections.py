"""Projections: alerts, goal progress, rebuild equals incremental (also under concurrent writers)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections
from django.forms.models import model_to_dict
from django.utils import timezone

from clinic import selectors
from clinic.access import keys
from clinic.eventstore import store
from clinic.projections import models as rm
from clinic.projections.handlers import ALL
from clinic.projections.runner import catch_up, rebuild
from clinic.services import goals, patients, visits
from tests.factories import due, make_evaluation, make_patient, make_practice

pytestmark = pytest.mark.django_db(transaction=True)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every read-model row, without surrogate ids (which a rebuild renumbers)."""
    tables = [t for p in ALL for t in p.tables]
    return {
        t.__name__: sorted(
            ({k: v for k, v in model_to_dict(o).items() if k != "id"} for o in t.objects.all()), key=repr
        )
        for t in tables
    }


def treatment_visits(user: Any, pid: Any, version: int, n: int, visit_type: str = "treatment") -> int:
    for _ in range(n):
        version = visits.visit_record(
            user=user,
            patient_id=pid,
            visit_type=visit_type,
            visit_date=timezone.localdate(),
            expected_version=version,
        ).version
    return version


def test_progress_report_alert_at_8_and_due_at_10() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    _, version = make_evaluation(practice.therapist, patient)

    def alert_codes() -> set[str]:
        [row] = selectors.caseload(user=practice.therapist).rows
        return {a.code for a in row.alerts}

    version = treatment_visits(practice.therapist, patient.id, version, 7)
    assert "progress_report_soon" not in alert_codes()
    version = treatment_visits(practice.therapist, patient.id, version, 1)
    assert "progress_report_soon" in alert_codes()
    version = treatment_visits(practice.therapist, patient.id, version, 2)
    assert "progress_report_due" in alert_codes()
    assert rm.ProgressReportCounter.objects.get(patient_id=patient.id).visits_since_report == 10
    treatment_visits(practice.therapist, patient.id, version, 1, visit_type="progress_report")
    assert not {"progress_report_soon", "progress_report_due"} & alert_codes()


def test_certification_expiry_alert_14_days_before() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    today = timezone.localdate()
    patients.plan_of_care_establish(
        user=practice.therapist,
        patient_id=patient.id,
        certification_start=today - timedelta(days=60),
        certification_end=today + timedelta(days=15),
        frequency_per_week=2,
        duration_weeks=11,
        expected_version=patient.version,
    )
    [row] = selectors.caseload(user=practice.therapist).rows
    assert not [a for a in row.alerts if a.code.startswith("certification")]
    [row] = selectors.caseload(user=practice.therapist, today=today + timedelta(days=1)).rows
    assert [a.code for a in row.alerts if a.code.startswith("certification")] == ["certification_expiring"]
    [row] = selectors.caseload(user=practice.therapist, today=today + timedelta(days=16)).rows
    assert [a.code for a in row.alerts if a.code.startswith("certification")] == ["certification_expired"]


def test_goal_progress_and_achievement_event() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, version = make_evaluation(practice.therapist, patient)
    goal = goals.goal_set(
        user=practice.therapist,
        patient_id=patient.id,
        metric="gait_speed",
        baseline=0.6,
        target=1.0,
        comparator=">=",
        due_date=due(),
        expected_version=version,
    )
    version = goal.version
    for value, status, pct in (
        (0.7, "improving", 25.0),
        (0.65, "worsening", 12.5),
        (1.02, "achieved", 105.0),
    ):
        version = visits.measurement_record(
            user=practice.therapist,
            patient_id=patient.id,
            visit_id=visit_id,
            metric="gait_speed",
            value=value,
            expected_version=version,
        ).version
        view = rm.GoalView.objects.get(goal_id=goal.id)
        assert (view.latest_value, view.achievement_status, view.progress_percent) == (value, status, pct)
    types = [e.event_type for e in store.read_stream(f"patient-{patient.id}")]
    assert types.count("GoalAchieved") == 1


def test_rebuild_equals_incremental_and_is_idempotent() -> None:
    practice = make_practice()
    for name in ("Ruiz", "Okafor"):
        patient = make_patient(practice.therapist, family_name=name)
        visit_id, version = make_evaluation(practice.therapist, patient)
        version = goals.goal_set(
            user=practice.therapist,
            patient_id=patient.id,
            metric="cadence",
            baseline=90,
            target=100,
            comparator=">=",
            due_date=due(),
            expected_version=version,
        ).version
        version = visits.measurement_record(
            user=practice.therapist,
            patient_id=patient.id,
            visit_id=visit_id,
            metric="cadence",
            value=101,
            expected_version=version,
        ).version
        visits.visit_note_sign(
            user=practice.therapist,
            patient_id=patient.id,
            visit_id=visit_id,
            attest=True,
            expected_version=version,
        )
    incremental = snapshot()
    assert incremental["GoalView"][0]["achievement_status"] == "achieved"
    call_command("rebuild_projections")
    assert snapshot() == incremental
    assert catch_up() == 0  # nothing is processed twice


def test_rebuild_equals_incremental_after_concurrent_writers(postgres: None) -> None:
    practice = make_practice()
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            patient = make_patient(practice.therapist, family_name=f"P{i}")
            _, version = make_evaluation(practice.therapist, patient)
            treatment_visits(practice.therapist, patient.id, version, 3)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    catch_up()
    incremental = snapshot()
    assert len(incremental["PatientSummary"]) == 4
    assert sorted(r["visit_count"] for r in incremental["PatientSummary"]) == [4, 4, 4, 4]
    rebuild()
    assert snapshot() == incremental


def test_crypto_shredding_keeps_the_record_and_is_an_event() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    summary = rm.PatientSummary.objects.get(patient_id=patient.id)
    assert selectors.contact_details(summary) == {
        "phone": "555-0100",
        "email": "ana@example.org",
        "address": "1 Elm St",
    }
    assert "555-0100" not in summary.contact_sealed
    call_command("erase_patient_pii", str(patient.id), "--as", practice.admin.username, "--reason", "request")
    summary.refresh_from_db()
    assert selectors.contact_details(summary) is None
    assert summary.pii_erased and summary.family_name == "Ruiz"  # the clinical record stays
    with pytest.raises(keys.KeyDestroyed):
        keys.open_json(patient.id, summary.contact_sealed)
    assert store.read_stream(f"patient-{patient.id}")[-1].event_type == "PatientPiiErased"


def test_therapist_cannot_erase() -> None:
    from django.core.management.base import CommandError

    practice = make_practice()
    patient = make_patient(practice.therapist)
    with pytest.raises(CommandError, match="administrator"):
        call_command(
            "erase_patient_pii", str(patient.id), "--as", practice.therapist.username, "--reason", "x"
        )
    assert selectors.contact_details(rm.PatientSummary.objects.get(patient_id=patient.id)) is not None


def test_goal_achievement_in_the_read_model_is_the_domains_decision() -> None:
    """A value that meets a cancelled goal does not achieve it (the domain decides no GoalAchieved);
    the read model used to recompute the comparison and show it "achieved" anyway."""
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, version = make_evaluation(practice.therapist, patient)
    goal = goals.goal_set(
        user=practice.therapist, patient_id=patient.id, metric="gait_speed", baseline=0.6, target=1.0,
        comparator=">=", due_date=due(), expected_version=version,
    )  # fmt: skip
    version = goals.goal_change_lifecycle(
        user=practice.therapist, patient_id=patient.id, goal_id=goal.id, lifecycle_status="cancelled",
        reason="patient moved", expected_version=goal.version,
    ).version  # fmt: skip
    visits.measurement_record(
        user=practice.therapist, patient_id=patient.id, visit_id=visit_id, metric="gait_speed", value=1.1,
        expected_version=version,
    )  # fmt: skip
    types = [e.event_type for e in store.read_stream(f"patient-{patient.id}")]
    assert "GoalAchieved" not in types
    view = rm.GoalView.objects.get(goal_id=goal.id)
    assert view.latest_value == 1.1 and view.achievement_status != "achieved"
