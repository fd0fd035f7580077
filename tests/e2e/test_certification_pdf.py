"""The physician's certification of the plan of care is printed where the plan of care is: the
identification table of every document, read back from the PDF."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from clinic.services import patients, visits
from tests.e2e.test_reports import pdf_text
from tests.factories import make_patient, make_practice

pytestmark = pytest.mark.django_db(transaction=True)


def _evaluation_pdf(user, patient_id) -> str:  # type: ignore[no-untyped-def]
    api = APIClient()
    api.force_authenticate(user)
    got = api.get(f"/api/patients/{patient_id}/reports/evaluation/")
    assert got.status_code == 200, got.content
    text, _ = pdf_text(got.content)
    return text


def test_the_certifying_physician_and_the_date_received_are_printed(artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    user = practice.therapist
    patient = make_patient(user, family_name="Certified")
    today = timezone.localdate()
    start = today - timedelta(days=10)
    version = patients.plan_of_care_establish(
        user=user, patient_id=patient.id, certification_start=start, certification_end=start + timedelta(days=60),
        frequency_per_week=2, duration_weeks=8, expected_version=patient.version,
    ).version  # fmt: skip
    visit = visits.visit_record(
        user=user, patient_id=patient.id, visit_type="evaluation", visit_date=start, expected_version=version
    )
    visits.visit_note_write(
        user=user, patient_id=patient.id, visit_id=visit.id, assessment="OA knee", plan="PT 2x/week",
        expected_version=visit.version,
    )  # fmt: skip
    awaiting = _evaluation_pdf(user, patient.id)
    assert "Certifying physician awaiting the physician's signed certification" in awaiting
    received = today - timedelta(days=3)
    patients.plan_of_care_certify(
        user=user, patient_id=patient.id, physician_name='Dr Lena "Lee" Ortiz & Sons, MD',
        physician_npi="1234567893", certification_received_on=received, expected_version=None,
    )  # fmt: skip
    text = _evaluation_pdf(user, patient.id)
    assert 'Certifying physician Dr Lena "Lee" Ortiz & Sons, MD, NPI 1234567893' in text
    assert f"Certification received {received:%m/%d/%Y}" in text
    assert "Plan of care certified" in text  # the plan's period, in the same table
