"""A document shows the record as it stood on its date: regenerated after later visits, later
measurements and a recertification, its text is the same. Unsigned documents are drafts.

The PDFs are read back as text (pypdf), as a payer's reviewer reads them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from clinic.projections.models import GoalView
from clinic.reports import services as reports
from clinic.services import goals, patients, visits
from tests.factories import make_patient, make_practice
from tests.unit.reports.test_pdf_text import pdf_text

pytestmark = pytest.mark.django_db(transaction=True)


def _visit(user: Any, pid: Any, *, kind: str, days_ago: int, knee: float | None, sign: bool = True) -> int:
    day = timezone.localdate() - timedelta(days=days_ago)
    visit = visits.visit_record(
        user=user, patient_id=pid, visit_type=kind, visit_date=day, expected_version=None
    )
    visits.visit_note_write(
        user=user, patient_id=pid, visit_id=visit.id, subjective=f"{kind} on day -{days_ago}",
        assessment="Progressing", plan="Continue", expected_version=None,
    )  # fmt: skip
    if knee is not None:
        visits.measurement_record(
            user=user, patient_id=pid, visit_id=visit.id, metric="knee_flexion_rom", value=knee,
            expected_version=None,
        )  # fmt: skip
    if sign:
        visits.visit_note_sign(
            attest=True, user=user, patient_id=pid, visit_id=visit.id, expected_version=None
        )
    return visit.id


def _certify(user: Any, pid: Any, *, start_days_ago: int, end_days_ago: int) -> None:
    today = timezone.localdate()
    patients.plan_of_care_establish(
        user=user, patient_id=pid, certification_start=today - timedelta(days=start_days_ago),
        certification_end=today - timedelta(days=end_days_ago), frequency_per_week=2, duration_weeks=12,
        interventions="Therapeutic exercise", expected_version=None,
    )  # fmt: skip


def _text(user: Any, pid: Any, kind: str) -> str:
    return pdf_text(reports.patient_report(user=user, patient_id=pid, kind=kind).content)


@pytest.fixture
def episode() -> tuple[Any, Any]:
    practice = make_practice()
    user = practice.therapist
    pid = make_patient(user).id
    _certify(user, pid, start_days_ago=100, end_days_ago=20)
    evaluation = _visit(user, pid, kind="evaluation", days_ago=100, knee=78.0)
    goals.goal_set(
        user=user, patient_id=pid, metric="knee_flexion_rom", baseline=78.0, target=115.0, comparator=">=",
        due_date=timezone.localdate() + timedelta(days=30), baseline_visit_id=evaluation,
        expected_version=None,
    )  # fmt: skip
    _visit(user, pid, kind="treatment", days_ago=90, knee=85.0)
    _visit(user, pid, kind="progress_report", days_ago=60, knee=96.0)
    return user, pid


def _later_care(user: Any, pid: Any) -> None:
    """After the progress report (day -60): visits, a recertification, the first goal put on hold
    and a new goal set at the latest visit."""
    _certify(user, pid, start_days_ago=19, end_days_ago=-60)
    _visit(user, pid, kind="treatment", days_ago=40, knee=104.0)
    _visit(user, pid, kind="treatment", days_ago=3, knee=109.0)
    first = GoalView.objects.get(patient_id=pid, metric="knee_flexion_rom")
    goals.goal_change_lifecycle(
        user=user, patient_id=pid, goal_id=first.goal_id, lifecycle_status="on-hold",
        reason="Flare-up after a fall", expected_version=None,
    )  # fmt: skip
    goals.goal_set(
        user=user, patient_id=pid, metric="timed_up_and_go", baseline=14.0, target=10.0, comparator="<=",
        due_date=timezone.localdate() + timedelta(days=30), expected_version=None,
    )  # fmt: skip


def test_an_evaluation_regenerated_after_later_visits_reads_the_same(episode: tuple[Any, Any]) -> None:
    user, pid = episode
    before = _text(user, pid, "evaluation")
    _later_care(user, pid)
    after = _text(user, pid, "evaluation")
    assert after == before
    # The evaluation knows only its own day: no later value, no later visit count, no later period.
    later_start = timezone.localdate() - timedelta(days=19)
    assert "109" not in after and "96°" not in after and "85°" not in after
    assert f"{later_start:%m/%d/%Y}" not in after
    assert "Visits since start of care 1 " in after
    assert "Timed Up and Go" not in after and "on-hold" not in after and "(active)" in after


def test_a_progress_report_shows_values_up_to_the_end_of_its_period(episode: tuple[Any, Any]) -> None:
    user, pid = episode
    before = _text(user, pid, "progress")
    _later_care(user, pid)
    after = _text(user, pid, "progress")
    assert after == before
    three_days_ago = timezone.localdate() - timedelta(days=3)
    assert f"({three_days_ago:%m/%d})" not in after and "109" not in after
    day = timezone.localdate() - timedelta(days=60)
    # The goal's current value is the one at the end of the period, with its progress.
    assert f"96° ({day:%m/%d})" in after or f"96 deg ({day:%m/%d})" in after
    assert "49%" in after  # (96 - 78) / (115 - 78) = 48.6 %


def test_page_and_pdf_print_the_same_progress(episode: tuple[Any, Any]) -> None:
    from django.template import Context, Template

    user, pid = episode
    # 78 -> 95.95 of the way to 115 is 48.5 %: a half, which the page once rounded up (149%) and
    # the PDF down (148%). Both now print it with one function.
    _visit(user, pid, kind="progress_report", days_ago=1, knee=95.95)
    goal = GoalView.objects.get(patient_id=pid, metric="knee_flexion_rom")
    assert goal.progress_percent == 48.5
    page = Template("{% load clinic_extras %}{{ p|percent }}").render(Context({"p": goal.progress_percent}))
    assert page == "49%"
    assert "49%" in _text(user, pid, "progress") and "48%" not in _text(user, pid, "progress")


def test_an_unsigned_evaluation_prints_a_draft_mark_and_a_signed_one_does_not() -> None:
    practice = make_practice()
    user = practice.therapist
    pid = make_patient(user).id
    visits.visit_record(
        user=user,
        patient_id=pid,
        visit_type="evaluation",
        visit_date=timezone.localdate(),
        expected_version=None,
    )
    draft = _text(user, pid, "evaluation")
    assert "DRAFT" in draft and "not signed" in draft
    signed_pid = make_patient(user, family_name="Signed").id
    _visit(user, signed_pid, kind="evaluation", days_ago=0, knee=80.0)
    assert "DRAFT" not in _text(user, signed_pid, "evaluation")
