"""The generated OpenAPI schema documents every operation's error answers with the error body."""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from clinic.api.schema import HTTP_METHODS

ERROR_REF = "#/components/schemas/Error"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-any-return]


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, m, op) for path, item in schema["paths"].items() for m, op in item.items() if m in HTTP_METHODS
    ]


def takes_expected_version(schema: dict[str, Any], op: dict[str, Any]) -> bool:
    names = set()
    for media in op.get("requestBody", {}).get("content", {}).values():
        ref = media["schema"].get("$ref", "")
        target = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else media["schema"]
        names |= set(target.get("properties", {}))
    return "expected_version" in names


def test_error_body_schema_is_a_component(schema: dict[str, Any]) -> None:
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "message", "details"]
    assert {k: v["type"] for k, v in error["properties"].items()} == {
        "code": "string",
        "message": "string",
        "details": "object",
    }


def test_every_operation_documents_its_error_statuses(schema: dict[str, Any]) -> None:
    ops = operations(schema)
    assert len(ops) >= 25
    for path, method, op in ops:
        responses = op["responses"]
        anonymous = {} in op.get("security", [{}])  # no requirement listed: anyone may call
        expected = {"400"} | (set() if anonymous else {"401", "403"})
        if "{patient_id}" in path:
            expected.add("404")
        if takes_expected_version(schema, op) or (
            method in ("post", "put", "patch", "delete") and ("{visit_id}" in path or "{analysis_id}" in path)
        ):
            expected.add("409")  # a stale version, or a write to a signed (locked) visit
        if "requestBody" in op:
            expected.add("415")
        errors = {s for s in responses if s.startswith("4")}
        assert expected <= errors, (method, path, sorted(errors))
        # 404 and 409 only where they can happen (another module may add e.g. 429 for throttling).
        assert ("404" in errors) == ("404" in expected) and ("409" in errors) == ("409" in expected)
        # 415 may be the view's own (the tus PATCH describes its one accepted media type).
        for status in expected - {"415"}:
            assert responses[status]["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}


def test_conflicts_are_documented_for_versioned_writes_and_writes_to_a_visit(schema: dict[str, Any]) -> None:
    with_409 = {(m, p) for p, m, op in operations(schema) if "409" in op["responses"]}
    assert ("put", "/api/patients/{patient_id}/visits/{visit_id}/note/") in with_409
    assert ("post", "/api/patients/{patient_id}/goals/") in with_409
    assert not any(m == "get" for m, _ in with_409)
    # An upload takes no version, but a signed visit refuses it (visit_signed).
    assert ("post", "/api/patients/{patient_id}/visits/{visit_id}/videos/") in with_409
    assert ("post", "/api/patients/") not in with_409


def test_operation_ids_are_unique(schema: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(schema)]
    assert len(ids) == len(set(ids))
