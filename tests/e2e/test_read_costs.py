"""What a read of the caseload and of the patient page costs in queries, and that it does not grow.

The caseload reads the read models in three queries whatever the page size (the page with its total,
progress counters and certifications; the therapists with their names; the user's staff row), and
the patient page in a fixed number whatever the chart's length. Both answers stay exact.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from clinic.services import patients, visits
from tests.factories import PASSWORD, make_evaluation, make_patient, make_practice

pytestmark = pytest.mark.django_db(transaction=True)

# The page with its counters, the team names, the page's unsigned notes (their age is the
# worklist's rule) and the user's staff row.
CASELOAD_READ_MODEL_QUERIES = 4


def _read_model_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if '"rm_' in q["sql"]]


def _patient_with_plan(practice: Any, family_name: str) -> Any:
    written = make_patient(practice.therapist, family_name=family_name)
    today = timezone.localdate()
    patients.plan_of_care_establish(
        user=practice.therapist,
        patient_id=written.id,
        certification_start=today,
        certification_end=today + timedelta(days=10),
        frequency_per_week=2,
        duration_weeks=2,
        expected_version=written.version,
    )
    patients.patient_assign_therapist(  # a second therapist, so every row has a team of two
        user=practice.admin,
        patient_id=written.id,
        therapist_id=practice.other_therapist.pk,
        expected_version=None,
    )
    return written


def _caseload(user: Any, query: str = "") -> tuple[dict[str, Any], list[str]]:
    api = APIClient()
    api.force_authenticate(user)
    with CaptureQueriesContext(connection) as captured:
        response = api.get(f"/api/caseload/{query}")
    assert response.status_code == 200, response.content
    return response.json(), _read_model_queries(captured)


def test_caseload_reads_a_fixed_number_of_queries_whatever_the_patients() -> None:
    practice = make_practice()
    for name in ("Adams", "Baker"):
        _patient_with_plan(practice, name)
    small, small_queries = _caseload(practice.therapist)
    for name in ("Cole", "Diaz", "Evans", "Fox", "Gray", "Hill"):
        _patient_with_plan(practice, name)
    large, large_queries = _caseload(practice.therapist)

    assert len(small_queries) == len(large_queries) == CASELOAD_READ_MODEL_QUERIES, large_queries
    assert (small["count"], len(small["results"])) == (2, 2)
    assert large["count"] == 8
    end = (timezone.localdate() + timedelta(days=10)).isoformat()
    for row in large["results"]:
        assert row["therapists"] == ["Tess Tester", "Theo Tester"]
        assert row["certification_end"] == end
        assert row["visits_since_report"] == 0
        assert [a["code"] for a in row["alerts"]] == ["certification_expiring"]


def test_caseload_total_is_exact_on_every_page() -> None:
    practice = make_practice()
    for name in ("Cole", "Adams", "Baker"):
        make_patient(practice.therapist, family_name=name)
    assert _caseload(practice.therapist, "?limit=2")[0]["count"] == 3
    last = _caseload(practice.therapist, "?limit=2&offset=2")[0]
    assert (last["count"], [r["patient"]["family_name"] for r in last["results"]]) == (3, ["Cole"])
    beyond = _caseload(practice.therapist, "?limit=2&offset=10")[0]
    assert beyond == {"count": 3, "results": []}
    assert _caseload(practice.other_therapist)[0] == {"count": 0, "results": []}
    assert _caseload(practice.admin, "?limit=1")[0]["count"] == 3


def _page_queries(user: Any, patient_id: Any) -> int:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/patients/{patient_id}/")
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_patient_page_queries_do_not_grow_with_the_chart() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    _, version = make_evaluation(practice.therapist, patient)
    short = _page_queries(practice.therapist, patient.id)
    for day in range(1, 6):
        visit = visits.visit_record(
            user=practice.therapist,
            patient_id=patient.id,
            visit_type="treatment",
            visit_date=timezone.localdate() - timedelta(days=day),
            expected_version=version,
        )
        version = visit.version
    assert _page_queries(practice.therapist, patient.id) == short


def test_a_token_request_does_not_also_look_up_the_session_it_carries() -> None:
    """A client holding both a session cookie and an API token (a script run from a signed-in
    browser, the load bench) is authenticated once, by its token: the request context does not
    resolve the session's user as well (two queries for nothing on every API call)."""
    practice = make_practice()
    client = Client()
    token = client.post("/api/auth/token/", {"username": practice.therapist.username, "password": PASSWORD})
    assert token.status_code == 200, token.content
    client.force_login(practice.therapist)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/caseload/", HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert response.status_code == 200, response.content
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    assert "django_session" not in tables
    assert "knox_authtoken" in tables
    # The same request without the token is the session's: the user is looked up as before.
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/caseload/").status_code == 200
    assert "django_session" in " ".join(q["sql"] for q in captured.captured_queries)
