"""The chart and the caseload kept while the read models are unchanged (clinic/read_cache.py).

A kept result must cost less than computing it (fewer queries), stay a logged read with the
user's own access check, carry this request's CSRF token and a new visit id, and never outlive a
change of the record.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from clinic.access.models import AccessLogEntry
from clinic.services import goals
from tests.factories import due, make_evaluation, make_patient, make_practice

pytestmark = pytest.mark.django_db(transaction=True)


def _get(client: Client, path: str) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response, len(captured.captured_queries)


def _reads(patient_id: Any) -> int:
    return AccessLogEntry.objects.filter(object_type="patient", object_id=str(patient_id)).count()


def _visit_form(html: str) -> dict[str, str]:
    form = re.search(r'<form[^>]*id="visit-form".*?</form>', html, re.S)
    assert form is not None
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form.group(0)))


def test_a_kept_chart_costs_fewer_queries_and_is_still_a_logged_read() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    make_evaluation(practice.therapist, patient)
    client = Client()
    client.force_login(practice.therapist)
    path = f"/patients/{patient.id}/"
    before = _reads(patient.id)
    first, computed = _get(client, path)
    second, kept = _get(client, path)
    assert first.status_code == second.status_code == 200
    assert kept < computed - 5, (kept, computed)
    assert _reads(patient.id) == before + 2  # each view of the chart is in the access log
    # The same chart, apart from what is per request.
    strip = re.compile(r'value="[0-9a-zA-Z-]{32,}"')
    assert strip.sub("", first.content.decode()) == strip.sub("", second.content.decode())


def test_a_kept_chart_carries_this_requests_csrf_token_and_a_new_visit_id() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    client = Client(enforce_csrf_checks=True)
    client.force_login(practice.therapist)
    path = f"/patients/{patient.id}/"
    client.get(path)
    kept = _visit_form(client.get(path).content.decode())
    again = _visit_form(client.get(path).content.decode())
    assert kept["visit_id"] != again["visit_id"]  # two tabs never share a visit's id
    posted = client.post(
        f"/patients/{patient.id}/visits/new/",
        {
            **kept,
            "visit_type": "evaluation",
            "visit_date": timezone.localdate().isoformat(),
            "subjective": "Knee pain on stairs",
        },
    )
    assert posted.status_code == 302, posted.content[:500]  # the token was valid for this session
    after = client.get(path).content.decode()
    assert "Knee pain on stairs" in after  # the new visit is there at once: the record changed


def test_a_change_of_the_record_is_shown_at_once() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    _, version = make_evaluation(practice.therapist, patient)
    client = Client()
    client.force_login(practice.therapist)
    path = f"/patients/{patient.id}/"
    assert "Walks 300 m" not in client.get(path).content.decode()
    goals.goal_set(
        user=practice.therapist,
        patient_id=patient.id,
        metric="gait_speed",
        comparator=">=",
        target=1.0,
        due_date=due(),
        description="Walks 300 m at 1.0 m/s",
        expected_version=version,
    )
    assert "Walks 300 m" in client.get(path).content.decode()


def test_a_kept_chart_never_reaches_another_user() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    make_evaluation(practice.therapist, patient)
    therapist, admin, other = Client(), Client(), Client()
    therapist.force_login(practice.therapist)
    admin.force_login(practice.admin)
    other.force_login(practice.other_therapist)
    path = f"/patients/{patient.id}/"
    assert 'id="visit-form"' in therapist.get(path).content.decode()
    # The administrator sees the chart without the clinical forms, kept or not.
    for _ in range(2):
        page = admin.get(path)
        assert page.status_code == 200 and 'id="visit-form"' not in page.content.decode()
    # A therapist not assigned to the patient gets no chart, whatever is kept.
    assert other.get(path).status_code == 404
    entry = AccessLogEntry.objects.filter(object_id=str(patient.id)).order_by("-seq").first()
    assert entry is not None and entry.outcome != "ok" and entry.actor_id == practice.other_therapist.pk


def test_the_caseload_is_kept_until_a_patient_is_added_and_every_read_is_logged() -> None:
    practice = make_practice()
    make_patient(practice.therapist, family_name="Adams")
    api = APIClient()
    api.force_authenticate(practice.therapist)
    with CaptureQueriesContext(connection) as computed:
        first = api.get("/api/caseload/").json()
    with CaptureQueriesContext(connection) as kept:
        second = api.get("/api/caseload/").json()
    assert first == second and first["count"] == 1
    assert len(kept.captured_queries) < len(computed.captured_queries) - 2
    assert AccessLogEntry.objects.filter(object_type="caseload").count() == 2
    make_patient(practice.therapist, family_name="Baker")
    third = api.get("/api/caseload/").json()
    assert [r["patient"]["family_name"] for r in third["results"]] == ["Adams", "Baker"]


def test_with_the_cache_off_every_read_is_computed(settings: Any) -> None:
    settings.READ_CACHE_SECONDS = 0
    practice = make_practice()
    patient = make_patient(practice.therapist)
    client = Client()
    client.force_login(practice.therapist)
    path = f"/patients/{patient.id}/"
    _, first = _get(client, path)
    _, second = _get(client, path)
    assert first == second
