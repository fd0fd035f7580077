"""The server names every request; a client's X-Request-ID is kept, never trusted."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from clinic.access.middleware import client_request_id
from clinic.access.models import AccessLogEntry
from clinic.eventstore.models import StoredEvent
from tests.factories import make_patient, make_practice

pytestmark = pytest.mark.django_db(transaction=True)


def _api(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_forged_request_id_gets_a_server_id_and_the_log_keeps_both() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    response = _api(practice.therapist).get(f"/api/patients/{patient.id}/", HTTP_X_REQUEST_ID="forged")
    assert response.status_code == 200
    server_id = response["X-Request-ID"]
    assert server_id != "forged" and str(uuid.UUID(server_id)) == server_id
    row = AccessLogEntry.objects.order_by("-seq").first()
    assert row is not None and row.action == "read"
    assert (row.request_id, row.client_request_id) == (server_id, "forged")


def test_two_requests_with_the_same_client_id_are_told_apart_and_events_carry_both() -> None:
    practice = make_practice()
    api = _api(practice.therapist)
    body = {
        "given_name": "Lena", "family_name": "Hart", "date_of_birth": "1970-04-05", "sex": "female",
        "diagnoses": [{"code": "M54.50", "description": "Low back pain"}], "referring_physician": "Dr A",
        "payer": "Aetna",
    }  # fmt: skip
    first = api.post("/api/patients/", body, format="json", HTTP_X_REQUEST_ID="retry-7")
    second = api.post("/api/patients/", body, format="json", HTTP_X_REQUEST_ID="retry-7")
    assert first.status_code == second.status_code == 201
    assert first["X-Request-ID"] != second["X-Request-ID"]
    event = (
        StoredEvent.objects.filter(stream_id=f"patient-{first.json()['id']}")
        .order_by("global_position")
        .first()
    )
    assert event is not None
    assert event.metadata["request_id"] == first["X-Request-ID"]
    assert event.metadata["correlation_id"] == first["X-Request-ID"]
    assert event.metadata["client_request_id"] == "retry-7"


@pytest.mark.parametrize(
    ("header", "kept"),
    [
        ("3f2c-abc_DEF.1:2/3+4=", "3f2c-abc_DEF.1:2/3+4="),
        ("x" * 200, "x" * 64),
        ("<script>alert(1)</script>", ""),
        ("two words", ""),
        ("evil\u00e9", ""),
        (None, ""),
    ],
)
def test_client_request_ids_are_bounded_safe_tokens(header: str | None, kept: str) -> None:
    assert client_request_id(header) == kept
