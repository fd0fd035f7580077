"""The API's contract at its edges: bounded pages and bodies, and one error format for what no view handles.

Every refusal is a 400/404/405/500 with ``{"code", "message", "details"}`` under ``/api/``; pages get
the styled error page; a 403 on a page is one log line, not a traceback.
"""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from clinic.api.parsers import MAX_JSON_DEPTH
from clinic.config import errors as error_views
from tests.factories import make_practice

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def therapist():  # type: ignore[no-untyped-def]
    return make_practice().therapist


def api_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def assert_error(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "details"} and body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize("url", ["/api/caseload/", "/api/patients/"])
@pytest.mark.parametrize("query", ["offset=9223372036854775808", "offset=1000001", "limit=501", "offset=-1"])
def test_page_parameters_out_of_range_are_400(therapist, url: str, query: str) -> None:  # type: ignore[no-untyped-def]
    body = assert_error(api_for(therapist).get(f"{url}?{query}"), 400, "invalid_input")
    assert query.split("=")[0] in body["details"]


def test_largest_allowed_offset_answers_an_empty_page(therapist) -> None:  # type: ignore[no-untyped-def]
    response = api_for(therapist).get("/api/patients/?offset=1000000&limit=500")
    assert response.status_code == 200 and response.json()["results"] == []


def _post_raw(user, body: bytes | str, content_type: str = "application/json"):  # type: ignore[no-untyped-def]
    return api_for(user).generic("POST", "/api/patients/", body, content_type=content_type)


def test_deeply_nested_body_is_400_invalid_json(therapist) -> None:  # type: ignore[no-untyped-def]
    body = assert_error(_post_raw(therapist, "[" * 100_000), 400, "invalid_json")
    assert body["details"] == {"max_depth": MAX_JSON_DEPTH}


def test_nesting_limit_is_exact(therapist) -> None:  # type: ignore[no-untyped-def]
    def nested(depth: int) -> str:
        return '{"given_name": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"

    # At the limit the parser accepts the body and the serializer judges the fields.
    assert_error(_post_raw(therapist, nested(MAX_JSON_DEPTH)), 400, "invalid_input")
    assert_error(_post_raw(therapist, nested(MAX_JSON_DEPTH + 1)), 400, "invalid_json")


@pytest.mark.parametrize(
    "raw", ['{"given_name": ', '{"x": 1e999}', '{"x": NaN}', '{"x": Infinity}', b'{"x": "\xff"}', "1" * 5000]
)
def test_malformed_json_is_400_invalid_json(therapist, raw: str | bytes) -> None:  # type: ignore[no-untyped-def]
    assert_error(_post_raw(therapist, raw), 400, "invalid_json")


def test_json_body_over_the_upload_limit_is_400(therapist, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    oversized = json.dumps({"given_name": "x" * 2000})
    body = assert_error(_post_raw(therapist, oversized), 400, "body_too_large")
    assert body["details"] == {"max_bytes": 1000}


def test_form_body_over_the_upload_limit_is_json_400_with_session_login(therapist, settings) -> None:  # type: ignore[no-untyped-def]
    # Session authentication reads request.POST for its CSRF check: Django raises RequestDataTooBig there.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client(enforce_csrf_checks=True)
    client.force_login(therapist)
    client.get("/")  # a page with a form sets the CSRF cookie; the check then reads the token from the form
    response = client.post(
        "/api/patients/", "given_name=" + "x" * 2000, content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 400, "body_too_large")


def test_malformed_uuid_in_an_api_url_is_json_404(therapist) -> None:  # type: ignore[no-untyped-def]
    api = api_for(therapist)
    for url in ("/api/patients/not-a-uuid/", "/api/patients/123/visits/", "/api/no-such-endpoint/"):
        assert_error(api.get(url), 404, "not_found")


def test_unsupported_method_is_json_405(therapist) -> None:  # type: ignore[no-untyped-def]
    assert_error(api_for(therapist).delete("/api/caseload/"), 405, "method_not_allowed")


def test_unhandled_error_is_json_500_under_api_and_a_page_elsewhere(therapist, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(**kwargs: object) -> None:
        raise RuntimeError("selector exploded")

    monkeypatch.setattr("clinic.selectors.caseload", broken)
    client = Client(raise_request_exception=False)
    client.force_login(therapist)
    body = assert_error(client.get("/api/caseload/"), 500, "server_error")
    assert "exploded" not in json.dumps(body)
    page = client.get("/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
    assert b"Server error" in page.content and b"exploded" not in page.content


def test_page_404_is_the_styled_page(therapist) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(therapist)
    for url in ("/patients/not-a-uuid/", f"/patients/{uuid.uuid4()}/"):
        response = client.get(url)
        assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
        assert b"Not found" in response.content and b'class="top"' in response.content  # extends base


def test_page_403_is_styled_and_logged_without_a_traceback(therapist, caplog) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(therapist)  # a therapist may not export the practice
    with caplog.at_level(logging.WARNING):
        response = client.get("/practice/export.zip")
    assert response.status_code == 403 and b"Not allowed" in response.content
    assert b"Only a practice administrator may do this." in response.content  # says why
    records = [r for r in caplog.records if "/practice/export.zip" in r.getMessage()]
    assert len(records) == 1, [r.getMessage() for r in caplog.records]
    assert records[0].exc_info is None and records[0].levelno == logging.WARNING


def test_api_403_and_400_from_django_are_json() -> None:
    factory = RequestFactory()
    forbidden = error_views.permission_denied(factory.get("/api/caseload/"), PermissionError("no"))
    assert forbidden.status_code == 403 and json.loads(forbidden.content)["code"] == "forbidden"
    bad = error_views.bad_request(factory.get("/api/caseload/"), ValueError("bad"))
    assert bad.status_code == 400 and json.loads(bad.content)["code"] == "bad_request"
    page = error_views.bad_request(factory.get("/login/"), ValueError("bad"))
    assert page.status_code == 400 and b"Bad request" in page.content
