"""The visit page's review form without a browser: a stale page keeps what was typed; outsiders get 404."""

from __future__ import annotations

import pytest
from django.test import Client

from clinic.domain.events import MetricValue
from clinic.projections.models import AnalysisView, PatientSummary
from tests.factories import make_evaluation, make_patient, make_practice, review_value, store_analysis

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_stale_review_comes_back_with_the_typed_reason_and_an_outsider_gets_404() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    values = (MetricValue(metric="gait_speed", value=1.1, unit="m/s"), MetricValue(metric="cadence", value=99.0, unit="steps/min"))  # fmt: skip
    analysis_id = store_analysis(patient.id, visit_id, values)
    seen = PatientSummary.objects.get(patient_id=patient.id).stream_version
    review_value(practice.therapist, patient.id, analysis_id, 0)  # someone else, meanwhile
    url = f"/patients/{patient.id}/visits/{visit_id}/analyses/{analysis_id}/values/1/review/"
    body = {"decision": "reject", "reason": "a long reason typed with care", "expected_version": seen}

    outsider = Client()
    outsider.force_login(practice.other_therapist)
    assert outsider.post(url, body).status_code == 404

    browser = Client()
    browser.force_login(practice.therapist)
    page = browser.post(url, body, follow=True)
    html = page.content.decode()
    assert page.redirect_chain[-1][0].endswith(f"/visits/{visit_id}/#value-{analysis_id}-1")
    assert "Someone changed this record while you were editing" in html
    assert 'value="a long reason typed with care"' in html
    assert "1" not in AnalysisView.objects.get(analysis_id=analysis_id).reviews
    # Shown once: the next visit of the page starts empty.
    assert (
        "a long reason typed with care"
        not in browser.get(f"/patients/{patient.id}/visits/{visit_id}/").content.decode()
    )
