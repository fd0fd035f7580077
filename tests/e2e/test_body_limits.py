"""The outermost ASGI middleware answers from the headers, before any of the body is read.

Driven in-process at the ASGI level: ``receive`` fails the test if the middleware asks for the
body before refusing, and the wrapped application records whether the request reached Django.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from clinic.config.body_limits import BodyLimits
from tests.factories import make_evaluation, make_patient, make_practice

pytestmark = pytest.mark.django_db(transaction=True)

MB = 1024 * 1024


class Exchange:
    """One request through the middleware; what it sent back and whether the application ran."""

    def __init__(
        self, path: str, headers: dict[str, str], *, method: str = "POST", body: bytes = b""
    ) -> None:
        self.reached_app = False
        self.sent: list[dict[str, Any]] = []
        self.body_reads = 0
        scope = {
            "type": "http",
            "method": method,
            "path": path,
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 5000),
        }
        pieces = [body[i : i + 65536] for i in range(0, len(body), 65536)] or [b""]

        async def receive() -> dict[str, Any]:
            self.body_reads += 1
            if not self.reached_app:
                raise AssertionError("the middleware read the body before deciding")
            if pieces:
                piece = pieces.pop(0)
                return {"type": "http.request", "body": piece, "more_body": bool(pieces)}
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            self.sent.append(message)

        async def app(scope: Any, receive: Any, send: Any) -> None:
            self.reached_app = True
            while (await receive())["type"] != "http.disconnect":
                pass  # read everything, as Django does, until the middleware cuts it off

        async_to_sync(BodyLimits(app))(scope, receive, send)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    def header(self, name: str) -> str:
        return dict(self.sent[0]["headers"])[name.encode()].decode()

    def json(self) -> Any:
        return json.loads(self.sent[1]["body"])

    def text(self) -> str:
        return bytes(self.sent[1]["body"]).decode()


@pytest.fixture
def world() -> dict[str, Any]:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    client = Client()
    client.force_login(practice.therapist)
    from knox.models import AuthToken

    _, token = AuthToken.objects.create(practice.therapist)
    base = f"/patients/{patient.id}/visits/{visit_id}/"
    return {
        "api": f"/api{base}videos/",
        "tus": f"/api{base}uploads/00000000-0000-4000-8000-000000000000/",
        "page": base,
        "cookie": f"sessionid={client.cookies['sessionid'].value}",
        "token": f"Token {token}",
    }


def test_anonymous_uploads_are_refused_before_the_body_is_read(world: dict[str, Any]) -> None:
    big = {"Content-Length": str(256 * MB), "Content-Type": "multipart/form-data; boundary=x"}
    api = Exchange(world["api"], big)
    assert (api.status, api.reached_app, api.body_reads) == (401, False, 0)
    assert api.json() == {
        "code": "not_authenticated",
        "message": "Log in or send an API token to upload.",
        "details": {},
    }
    assert api.header("www-authenticate") == "Token"
    tus = Exchange(
        world["tus"], {"Content-Length": str(MB), "Authorization": "Token not-a-token"}, method="PATCH"
    )
    assert (tus.status, tus.reached_app) == (401, False)
    page = Exchange(world["page"], {**big, "Cookie": "sessionid=forged"})
    assert (page.status, page.reached_app) == (302, False)
    assert page.header("location") == f"/login/?next={world['page']}"


def test_oversize_and_lengthless_uploads_are_refused_for_logged_in_users(
    world: dict[str, Any], settings: Any
) -> None:
    settings.MAX_UPLOAD_BYTES = 100 * MB
    too_big = str(101 * MB)
    api = Exchange(world["api"], {"Content-Length": too_big, "Authorization": world["token"]})
    assert (api.status, api.reached_app) == (413, False)
    assert api.json()["code"] == "too_large"
    assert api.json()["message"] == "This upload is 105.9 MB; the largest video accepted is 104.9 MB."
    page = Exchange(world["page"], {"Content-Length": too_big, "Cookie": world["cookie"]})
    assert (page.status, page.reached_app) == (413, False)
    assert page.header("content-type") == "text/html; charset=utf-8"
    assert "the largest video accepted is 104.9 MB" in page.text() and world["page"] in page.text()
    chunked = Exchange(
        world["tus"], {"Transfer-Encoding": "chunked", "Cookie": world["cookie"]}, method="PATCH"
    )
    assert (chunked.status, chunked.reached_app) == (411, False)
    assert chunked.json()["code"] == "length_required"
    # Within the limit (a multipart form may carry its fields beside the file): on to Django.
    fine = Exchange(world["api"], {"Content-Length": str(100 * MB + 1000), "Cookie": world["cookie"]})
    assert fine.reached_app and not fine.sent
    token = Exchange(
        world["tus"], {"Content-Length": str(MB), "Authorization": world["token"]}, method="PATCH"
    )
    assert token.reached_app


def test_other_routes_accept_at_most_the_form_limit(world: dict[str, Any], settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * MB
    declared = Exchange("/api/caseload/", {"Content-Length": str(3 * MB), "Cookie": world["cookie"]})
    assert (declared.status, declared.reached_app) == (413, False)
    assert (
        declared.json()["message"] == "The request body is 3.1 MB; the most this address accepts is 2.1 MB."
    )
    # Without a length the body is passed on until it passes the limit, then cut off with 413.
    streamed = Exchange("/login/", {"Transfer-Encoding": "chunked"}, body=b"x" * (3 * MB))
    assert streamed.reached_app and streamed.status == 413
    assert streamed.body_reads <= 2 * MB // 65536 + 2
    small = Exchange("/login/", {"Content-Length": "100"}, body=b"x" * 100)
    assert small.reached_app and not small.sent
    assert Exchange("/unknown/", {"Content-Length": str(3 * MB)}).status == 413
    assert Exchange("/login/", {}, method="GET").reached_app
