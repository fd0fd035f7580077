"""The progress page and the progress report PDF state each outcome-test score against its
published norm (with the source) and each change between visits against the MCID."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from clinic.services import goals, visits
from tests.e2e.test_reports import pdf_text
from tests.factories import due, make_patient, make_practice

pytestmark = pytest.mark.django_db(transaction=True)


def _episode(user):  # type: ignore[no-untyped-def]
    """Born 1950-01-02, female: TUG 15.0 s and 12 chair stands at the evaluation, TUG 13.5 s and
    11 stands at the progress report two weeks later (TUG -1.5 s beyond its 0.8 s MCID; -1 stand
    within its MCID of 2)."""
    patient = make_patient(user, family_name="Normer")
    today = timezone.localdate()
    version = patient.version
    for visit_type, day, tug, stands in (
        ("evaluation", today - timedelta(days=14), 15.0, 12),
        ("progress_report", today, 13.5, 11),
    ):
        visit = visits.visit_record(
            user=user, patient_id=patient.id, visit_type=visit_type, visit_date=day, expected_version=version
        )
        version = visit.version
        for metric, value in (("timed_up_and_go", tug), ("chair_stand_count", stands)):
            version = visits.measurement_record(
                user=user, patient_id=patient.id, visit_id=visit.id, metric=metric, value=value,
                expected_version=version,
            ).version  # fmt: skip
        if visit_type == "evaluation":
            version = goals.goal_set(
                user=user, patient_id=patient.id, metric="chair_stand_count", baseline=12, target=14,
                comparator=">=", due_date=due(), expected_version=version,
            ).version  # fmt: skip
    return patient, today - timedelta(days=14)


def test_progress_page_and_pdf_state_norms_and_the_mcid(artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient, first = _episode(practice.therapist)
    client = Client()
    client.force_login(practice.therapist)
    page = client.get(f"/patients/{patient.id}/progress/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="outcome-norms"' in html
    assert "12 s or more: fall risk" in html and "CDC STEADI Timed Up &amp; Go (2017)" in html
    assert (
        f"change -1.50 s since {first.isoformat()}</span>, <strong>at or above the MCID of 0.80 s: a meaningful improvement</strong>"
        in html
    )
    # 76 on both dates: STEADI women 75-79 below 10 stands; 11 is average or better.
    assert "average or better for women aged 76" in html and "CDC STEADI 30-Second Chair Stand" in html
    assert "within the MCID of 2 stands: not a meaningful change" in html
    # The session-to-session table marks each outcome value too.
    table = html[html.index('id="comparison"') : html.index('id="outcome-norms"')]
    assert "≥ MCID" in table and "within MCID" in table and "norm-risk" in table
    # The chair-stand goal's chart draws the STEADI threshold for women aged 76 (below 10 stands).
    chart = html[html.index('data-metric="chair_stand_count"') : html.index("</svg>")]
    assert 'data-role="norm-line"' in chart and "published norm 10" in chart and "STEADI" in chart
    (artifacts_dir / "progress_norms.html").write_text(html)

    report = client.get(f"/patients/{patient.id}/reports/progress.pdf")
    assert report.status_code == 200
    (artifacts_dir / "progress_norms.pdf").write_bytes(report.content)
    text, _ = pdf_text(report.content)
    assert "Outcome tests against published norms" in text
    assert (
        f"change -1.50 s since {first.isoformat()}, at or above the MCID of 0.80 s: a meaningful improvement"
        in text
    )
    assert "within the MCID of 2 stands" in text and "for women of the patient's age" in text
    # The evaluation is dated before the second visit: no later score and no change in it.
    evaluation, _ = pdf_text(client.get(f"/patients/{patient.id}/reports/evaluation.pdf").content)
    assert "15.00 s" in evaluation and "13.50 s" not in evaluation and "MCID of 0.80 s" not in evaluation
