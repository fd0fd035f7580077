"""Authorization matrix: nobody but the patient's care team (and the practice's administrator) learns
anything about a patient, on any route, with any method.

The routes are enumerated, never listed by hand: every pattern of the URL conf (pages and API),
every operation of the OpenAPI schema and every WebSocket route. A route whose pattern names
``patient_id`` is patient-scoped; any other route must appear in :data:`NON_PATIENT_ROUTES` with the
reason it is not, so a new endpoint fails this test until it is classified. Each patient-scoped
route is called, with real ids of one patient's records and a well-formed body, by:

* a therapist of the same practice who is not assigned to the patient;
* a therapist and the administrator of another practice.

Every answer must be 404 (403 where the design says so, 405 for a method the route does not take)
and carry none of the patient's data. ``OPTIONS`` describes the route, not the patient, so only the
second rule applies to it. As a control, the assigned therapist gets something other than 404 from
every route with the same ids, so a 404 above is the authorization, not a wrong id.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import numpy as np
import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from clinic.api.schema import HTTP_METHODS
from clinic.config.websocket_routes import websocket_urlpatterns
from clinic.domain.events import MetricValue
from clinic.services import goals
from tests.factories import make_evaluation, make_patient, make_practice, store_analysis

pytestmark = pytest.mark.django_db(transaction=True)

#: Routes that are not about one patient, with the reason (``route`` as in the URL conf).
NON_PATIENT_ROUTES = {
    "api/schema/": "the API description",
    "api/docs/": "the API documentation page",
    "api/auth/token/": "sign-in for a token",
    "api/auth/token/revoke/": "revokes the caller's own token",
    "api/auth/token/revoke-all/": "revokes the caller's own tokens",
    "api/caseload/": "the caller's own caseload (selector filters by visibility)",
    "api/caseload/unsigned-notes/": "the unsigned notes of the caller's own caseload (filtered by visibility)",
    "api/questionnaires/": "the questionnaires that can be scored (no patient data)",
    "api/patients/": "lists visible patients; registers a new one",
    "api/practice/export/": "administrators only (403 for therapists)",
    "api/practice/billing/": "administrators only (403 for therapists)",
    "login/": "sign-in page",
    "logout/": "sign-out",
    "": "the caller's own caseload page",
    "patients/new/": "registers a new patient",
    "patients/discharged/": "the caller's own discharged patients (selector filters by visibility)",
    "practice/export.zip": "administrators only (403 for therapists)",
    "validation/": "the product's validation report (no patient data)",
    "validation/latest.<str:fmt>": "the validation report's files (no patient data)",
}
#: WebSocket routes that are not about one patient (none today).
NON_PATIENT_WS_ROUTES: dict[str, str] = {}

METHODS = ("get", "head", "post", "put", "patch", "delete", "options")
# Outsiders may see these; everything else about the patient must stay hidden.
ALLOWED_OUTSIDER_STATUSES = {403, 404, 405}
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def url_routes() -> list[tuple[str, Any]]:
    """Every (route, callback) of the URL conf, includes flattened."""
    found: list[tuple[str, Any]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                assert isinstance(pattern, URLPattern)
                found.append((prefix + str(pattern.pattern), pattern.callback))

    walk(get_resolver().url_patterns, "")
    return found


@dataclass
class World:
    patient_id: UUID
    values: dict[str, str]  # URL parameter -> a real value for this patient
    markers: list[bytes]  # the patient's data that must never reach an outsider
    owner: Any
    outsiders: dict[str, Any]
    version: int


def _store_recording(user: Any, patient_id: UUID, visit_id: UUID) -> str:
    """A stored landmark sequence (a synthetic squat-like motion), through the domain, as live capture stores one."""
    from tests.factories import store_recording

    frames = 12
    image = np.full((1, frames, 33, 4), 0.9)
    image[0, :, :, 0] = np.linspace(200, 520, 33)[None, :]
    image[0, :, :, 1] = np.linspace(100, 1100, 33)[None, :] + 40 * np.sin(np.arange(frames))[:, None]
    image[0, :, :, 2] = 0.0
    return store_recording(patient_id, visit_id, image)


def _create_upload(owner: Any, patient_id: UUID, visit_id: UUID) -> str:
    client = Client()
    client.force_login(owner)
    created = client.post(
        f"/api/patients/{patient_id}/visits/{visit_id}/uploads/",
        HTTP_UPLOAD_LENGTH="1000",
        HTTP_UPLOAD_METADATA="filename Y2xpcC5tcDQ=",
        **TUS,
    )
    assert created.status_code == 201, created.content
    return created["Location"].rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def world(settings: Any, tmp_path: Any) -> World:
    from clinic.projections.models import GoalView, PatientSummary

    settings.MEDIA_ROOT = tmp_path
    home = make_practice(name="Home PT")
    elsewhere = make_practice(name="Elsewhere PT", prefix="else_")
    patient = make_patient(home.therapist, family_name="Zyxwvuts")
    visit_id, version = make_evaluation(home.therapist, patient)
    goal = goals.goal_set(
        user=home.therapist,
        patient_id=patient.id,
        metric="gait_speed",
        target=1.2,
        comparator=">=",
        due_date=date.today().replace(year=date.today().year + 1),
        description="Qwertyuiop goal",
        expected_version=version,
    )
    sha = _store_recording(home.therapist, patient.id, visit_id)
    upload_id = _create_upload(home.therapist, patient.id, visit_id)
    from capture.still import encode_jpeg
    from clinic import blobs

    # A still of the analysed person and of another, as the pose step stores them.
    still = blobs.put("still", patient.id, encode_jpeg(np.zeros((8, 8, 3), np.uint8)))
    subject = {
        "id": 1,
        "people": [{"id": 1, "still": {"sha256": still, "crop_sha256": still}}, {"id": 2, "still": None}],
    }
    analysis_id = store_analysis(
        patient.id,
        visit_id,
        (MetricValue(metric="gait_speed", value=1.23456, unit="m/s"),) * 2,
        summary={"subject": subject},
    )
    assert GoalView.objects.filter(goal_id=goal.id).exists()
    values = {
        "patient_id": str(patient.id),
        "visit_id": str(visit_id),
        "goal_id": str(goal.id),
        "upload_id": upload_id,
        "therapist_id": str(home.therapist.pk),
        "kind": "evaluation",
        "fmt": "json",
        "sha256": sha,
        "analysis_id": str(analysis_id),
        "index": "0",
        "still_sha256": still,
        "code": "lefs",
    }
    markers = [b"Zyxwvuts", b"M17.11", b"Unilateral primary", b"555-0100", b"ana@example.org", b"1950-01-02"]
    markers += [b"Knee pain", b"Qwertyuiop", b"Dr Who", b"M123", sha.encode(), b"1.23456"]
    return World(
        patient_id=patient.id,
        values=values,
        markers=markers,
        owner=home.therapist,
        outsiders={
            "same practice, not assigned": home.other_therapist,
            "other practice's therapist": elsewhere.therapist,
            "other practice's admin": elsewhere.admin,
        },
        version=PatientSummary.objects.get(patient_id=patient.id).stream_version,
    )


def fill(route: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group("name")
        assert name in values, f"no value for URL parameter {name!r} of {route!r}: add one to the world"
        return values[name]

    return "/" + PARAM.sub(value, route)


def schema_operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    ops = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                ops.append((path, method, {**op, "_components": components}))
    return ops


def _example(schema: dict[str, Any], components: dict[str, Any], world: World, name: str = "") -> Any:
    """A small valid instance of a request schema (enough to pass the serializers)."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[-1]], components, world, name)
    for combinator in ("allOf", "oneOf", "anyOf"):
        if combinator in schema:
            return _example(schema[combinator][0], components, world, name)
    if "enum" in schema:
        return next(v for v in schema["enum"] if v not in ("", None))
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "object":
        props = schema.get("properties", {})
        return {key: _example(props[key], components, world, key) for key in schema.get("required", [])}
    if kind == "array":
        return [_example(schema["items"], components, world)] if schema.get("minItems") else []
    if kind == "integer":
        if name == "expected_version":
            return world.version
        return min(max(1, schema.get("minimum", 1)), schema.get("maximum", 1))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if fmt == "date":
        return date.today().isoformat()
    if fmt == "date-time":
        return datetime.now().isoformat()
    if fmt == "uuid":
        return world.values["visit_id"]
    if fmt == "binary":
        return SimpleUploadedFile("clip.mp4", b"\x00" * 64, content_type="video/mp4")
    return "x" * max(1, schema.get("minLength", 1))


#: Well-formed values of the request headers operations declare (the tus upload protocol).
HEADER_EXAMPLES = {
    "Tus-Resumable": "1.0.0",
    "Upload-Length": "1000",
    "Upload-Offset": "0",
    "Upload-Metadata": "filename Y2xpcC5tcDQ=",
}


def _request_for(operation: dict[str, Any] | None, world: World) -> dict[str, Any]:
    """Keyword arguments for the test client: the declared headers and a well-formed body."""
    kwargs: dict[str, Any] = {}
    for parameter in (operation or {}).get("parameters", []):
        if parameter["in"] == "header" and parameter.get("required"):
            name = parameter["name"]
            assert name in HEADER_EXAMPLES, f"add an example value of the {name} header to HEADER_EXAMPLES"
            kwargs["HTTP_" + name.upper().replace("-", "_")] = HEADER_EXAMPLES[name]
    content = (operation or {}).get("requestBody", {}).get("content", {})
    components = (operation or {}).get("_components", {})
    if "application/json" in content:
        body = _example(content["application/json"]["schema"], components, world)
        return {**kwargs, "data": body, "content_type": "application/json"}
    if "multipart/form-data" in content:
        return {**kwargs, "data": _example(content["multipart/form-data"]["schema"], components, world)}
    if "application/offset+octet-stream" in content:
        return {**kwargs, "data": b"\x00" * 10, "content_type": "application/offset+octet-stream"}
    return kwargs


def _call(client: Client, method: str, url: str, kwargs: dict[str, Any]) -> Any:
    kwargs = dict(kwargs)
    data = kwargs.pop("data", None)
    # Redirects are followed: where one leads (the patient page) must not tell an outsider more.
    kwargs = {**TUS, **kwargs, "follow": True}
    if method in ("get", "head", "options", "delete") or data is None:
        return getattr(client, method)(url, **kwargs)
    return getattr(client, method)(url, data, **kwargs)


def _assert_hidden(response: Any, world: World, what: str, method: str) -> None:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    leaked = [m.decode() for m in world.markers if m in body]
    assert not leaked, f"{what}: {method.upper()} leaked {leaked} (status {response.status_code})"
    if method != "options":
        assert response.status_code in ALLOWED_OUTSIDER_STATUSES, (
            f"{what}: {method.upper()} answered {response.status_code}: {body[:200]!r}"
        )


def _client(user: Any) -> Client:
    client = Client(raise_request_exception=True)
    client.force_login(user)
    return client


def test_every_route_is_classified() -> None:
    routes = [route for route, _ in url_routes()]
    unclassified = [r for r in routes if "patient_id" not in r and r not in NON_PATIENT_ROUTES]
    assert not unclassified, f"classify these routes (patient-scoped or NON_PATIENT_ROUTES): {unclassified}"
    assert not set(NON_PATIENT_ROUTES) - set(routes), "NON_PATIENT_ROUTES names routes that no longer exist"
    assert sum("patient_id" in r for r in routes) >= 35


def test_schema_operations_are_routes_of_the_url_conf() -> None:
    as_template = {"/" + PARAM.sub(lambda m: "{" + m.group("name") + "}", r) for r, _ in url_routes()}
    paths = {path for path, _, _ in schema_operations()}
    assert paths <= as_template, paths - as_template


def test_no_outsider_learns_anything_on_any_url_route(world: World) -> None:
    operations = {(p, m): op for p, m, op in schema_operations()}
    patient_routes = [r for r, _ in url_routes() if "patient_id" in r]
    checked = 0
    for who, user in world.outsiders.items():
        client = _client(user)
        for route in patient_routes:
            url = fill(route, world.values)
            template = "/" + PARAM.sub(lambda m: "{" + m.group("name") + "}", route)
            statuses = []
            for method in METHODS:
                response = _call(client, method, url, _request_for(operations.get((template, method)), world))
                _assert_hidden(response, world, f"{who} on {route}", method)
                statuses.append(response.status_code)
                checked += 1
            assert {403, 404} & set(statuses), f"{who} on {route}: no method checked the patient ({statuses})"
    assert checked >= 3 * 35 * len(METHODS)


def test_no_outsider_learns_anything_on_any_schema_operation(world: World) -> None:
    ops = [(p, m, op) for p, m, op in schema_operations() if "{patient_id}" in p]
    assert len(ops) >= 20
    for who, user in world.outsiders.items():
        client = _client(user)
        for path, method, op in ops:
            url = path
            for name, value in world.values.items():
                url = url.replace("{" + name + "}", value)
            response = _call(client, method, url, _request_for(op, world))
            _assert_hidden(response, world, f"{who} on {method.upper()} {path}", method)
            assert response.status_code in (403, 404), (
                f"{who}: {method.upper()} {path} -> {response.status_code}"
            )


def test_the_assigned_therapist_reaches_every_route(world: World) -> None:
    """The control: the same ids are real, so the outsiders' 404s come from the authorization."""
    operations = {(p, m): op for p, m, op in schema_operations()}
    client = _client(world.owner)
    for route in [r for r, _ in url_routes() if "patient_id" in r]:
        url = fill(route, world.values)
        template = "/" + PARAM.sub(lambda m: "{" + m.group("name") + "}", route)
        methods = ["get"] + [m for m in ("post", "put", "patch") if (template, m) in operations]
        statuses = [
            _call(client, m, url, _request_for(operations.get((template, m)), world)).status_code
            for m in methods
        ]
        assert any(s not in (404, 405) for s in statuses), f"{route}: the assigned therapist got {statuses}"


def test_no_outsider_opens_a_patient_websocket(world: World) -> None:
    routes = [str(p.pattern) for p in websocket_urlpatterns]
    unclassified = [r for r in routes if "patient_id" not in r and r not in NON_PATIENT_WS_ROUTES]
    assert not unclassified, unclassified
    patient_routes = [r for r in routes if "patient_id" in r]
    assert len(patient_routes) >= 2
    application = URLRouter(websocket_urlpatterns)

    async def connect(user: Any, route: str) -> tuple[bool, int | None]:
        communicator = WebsocketCommunicator(application, fill(route, world.values))
        communicator.scope["user"] = user
        connected, code = await communicator.connect(timeout=10)
        await communicator.disconnect()
        return connected, code

    for route in patient_routes:
        for who, user in world.outsiders.items():
            assert asyncio.run(connect(user, route)) == (False, 4404), f"{who} on {route}"
        assert asyncio.run(connect(world.owner, route))[0], f"the assigned therapist on {route}"
