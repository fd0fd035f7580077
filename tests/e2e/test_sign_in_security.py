"""Sign-in throttling (per account and per address), expiring and revocable API tokens, 401 for
anonymous API calls, and a login for the API schema and docs."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import PASSWORD, make_practice

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS_A = "10.0.0.1"
ADDRESS_B = "10.0.0.2"


@pytest.fixture(autouse=True)
def _known_limits(settings) -> None:  # type: ignore[no-untyped-def]
    """The documented defaults, whatever the environment running the tests sets."""
    settings.AXES_FAILURE_LIMIT = 10
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def login(username: str, password: str, *, address: str = ADDRESS_A) -> tuple[int, str, bool]:
    """POST the login form from ``address``: (status, page text, whether a session was opened)."""
    client = Client(REMOTE_ADDR=address)
    response = client.post("/login/", {"username": username, "password": password})
    return response.status_code, response.content.decode(), "_auth_user_id" in client.session


def token(username: str, password: str, *, address: str = ADDRESS_A):  # type: ignore[no-untyped-def]
    return APIClient(REMOTE_ADDR=address).post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )


def test_login_page_refuses_the_right_password_after_30_wrong_ones() -> None:
    practice = make_practice()
    user = practice.therapist.username
    assert login(user, "wrong")[0] == 200  # the form again, with its error
    for _ in range(29):
        login(user, "wrong")
    status, page, signed_in = login(user, PASSWORD)
    assert status == 429 and not signed_in
    assert "Sign-in paused" in page and "Try again after" in page and "15 minutes" in page
    assert "clinic/site.css" in page  # the styled page, not axes' plain text


def test_token_endpoint_refuses_the_right_password_after_50_wrong_ones() -> None:
    practice = make_practice()
    user = practice.therapist.username
    wrong = token(user, "wrong")
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_credentials"
    for _ in range(49):
        token(user, "wrong")
    refused = token(user, PASSWORD)
    assert refused.status_code == 429
    body = refused.json()
    assert set(body) == {"code", "message", "details"} and body["code"] == "locked_out"
    assert "try again after" in body["message"]
    assert body["details"]["retry_after_s"] == 900 and refused["Retry-After"] == "900"
    assert "token" not in body


def test_an_account_is_locked_from_every_address() -> None:
    """Failures spread over many addresses still lock the account (not only account+address)."""
    practice = make_practice()
    user = practice.therapist.username
    for i in range(10):
        token(user, "wrong", address=f"10.1.0.{i}")
    assert login(user, PASSWORD, address="10.9.9.9")[0] == 429
    assert token(user, PASSWORD, address="10.9.9.8").status_code == 429
    # Another account, from any of those addresses, is unaffected.
    assert login(practice.other_therapist.username, PASSWORD, address="10.1.0.3")[2]


def test_an_address_is_locked_for_every_account() -> None:
    """Guessing many usernames from one address locks that address, not the accounts elsewhere."""
    practice = make_practice()
    for i in range(10):
        login(f"guess{i}", "wrong", address=ADDRESS_A)
    assert login(practice.therapist.username, PASSWORD, address=ADDRESS_A)[0] == 429
    assert token(practice.other_therapist.username, PASSWORD, address=ADDRESS_A).status_code == 429
    assert login(practice.therapist.username, PASSWORD, address=ADDRESS_B)[2]
    assert token(practice.other_therapist.username, PASSWORD, address=ADDRESS_B).status_code == 200


def test_sign_in_works_again_after_the_cool_off(settings) -> None:  # type: ignore[no-untyped-def]
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1.5)
    practice = make_practice()
    user = practice.therapist.username
    for _ in range(10):
        login(user, "wrong")
    status, _, signed_in = login(user, PASSWORD)
    assert status == 429 and not signed_in
    time.sleep(1.6)
    assert login(user, PASSWORD)[2]
    assert token(user, PASSWORD).status_code == 200


def test_token_works_until_it_expires(settings) -> None:  # type: ignore[no-untyped-def]
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(seconds=1)}
    practice = make_practice()
    issued = token(practice.therapist.username, PASSWORD)
    assert issued.status_code == 200
    expiry = issued.json()["expiry"]
    assert timezone.now() < timezone.datetime.fromisoformat(expiry) <= timezone.now() + timedelta(seconds=1)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    assert api.get("/api/caseload/").status_code == 200
    time.sleep(1.1)
    expired = api.get("/api/caseload/")
    assert expired.status_code == 401 and expired["WWW-Authenticate"] == "Token"
    assert expired.json()["code"] == "authentication_failed"


def test_revoke_one_token_then_all() -> None:
    practice = make_practice()
    user = practice.therapist.username
    first, second, third = (APIClient() for _ in range(3))
    for api in (first, second, third):
        api.credentials(HTTP_AUTHORIZATION=f"Token {token(user, PASSWORD).json()['token']}")
    assert first.post("/api/auth/token/revoke/").status_code == 204
    assert first.get("/api/caseload/").status_code == 401
    assert second.get("/api/caseload/").status_code == 200
    assert second.post("/api/auth/token/revoke-all/").status_code == 204
    assert second.get("/api/caseload/").status_code == 401
    assert third.get("/api/caseload/").status_code == 401
    # Another user's tokens are not touched.
    other = APIClient()
    other.credentials(
        HTTP_AUTHORIZATION=f"Token {token(practice.other_therapist.username, PASSWORD).json()['token']}"
    )
    session = APIClient()
    session.force_login(practice.therapist)
    assert session.post("/api/auth/token/revoke-all/").status_code == 204
    assert other.get("/api/caseload/").status_code == 200


def test_revoking_needs_the_token_itself() -> None:
    practice = make_practice()
    session = APIClient()
    session.force_login(practice.therapist)
    assert session.post("/api/auth/token/revoke/").status_code == 401


def test_anonymous_api_call_is_401_with_www_authenticate() -> None:
    anonymous = APIClient().get("/api/caseload/")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Token"
    assert anonymous.json()["code"] == "not_authenticated"
    forged = APIClient(HTTP_AUTHORIZATION="Token not-a-token").get("/api/caseload/")
    assert forged.status_code == 401 and forged["WWW-Authenticate"] == "Token"


def test_schema_and_docs_need_a_login() -> None:
    practice = make_practice()
    assert APIClient().get("/api/schema/").status_code == 401
    docs = Client().get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"] == "/login/?next=/api/docs/"
    assert Client().get("/api/docs/?script=").status_code == 302
    client = Client()
    client.force_login(practice.therapist)
    page = client.get("/api/docs/")
    assert page.status_code == 200 and b"<script>" not in page.content
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/auth/token/", "/api/auth/token/revoke/", "/api/auth/token/revoke-all/"} <= set(paths)
    assert "429" in paths["/api/auth/token/"]["post"]["responses"]


def test_lockout_page_accepts_both_of_axes_call_forms(rf) -> None:  # type: ignore[no-untyped-def]
    """Axes' sync middleware passes (request, response, credentials); its async one, which the
    ASGI server runs, passes (request, credentials): the page must come out of both."""
    from django.http import HttpResponse

    from clinic.web.lockout import lockout_response

    for args in ((HttpResponse(), {"username": "x"}), ({"username": "x"},)):
        page = lockout_response(rf.get("/login/"), *args)
        assert page.status_code == 429 and page["Retry-After"] == "900"
        assert b"Try again after" in page.content
