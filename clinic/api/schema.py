"""OpenAPI: document the error answers of every operation (a drf-spectacular postprocessing hook).

Each operation gets, with the ``Error`` body ``{"code", "message", "details"}`` of
:mod:`clinic.api.errors`:

* 400 always (invalid fields, a domain rule, a body that is not bounded JSON);
* 401 and 403 unless the operation admits anonymous callers (not logged in; not allowed);
* 404 on patient-scoped paths (the patient, or a record of it, does not exist or is not visible);
* 409 on writes whose body takes ``expected_version`` (the patient changed since it was read), and
  on writes to a visit or to an analysis of one (the visit's note is signed and locked:
  ``visit_signed``);
* 415 on operations that take a body (a body of a media type the operation does not accept).

Responses an operation already declares are kept.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "Stable, machine-readable reason."},
        "message": {"type": "string", "description": "One sentence for a person."},
        "details": {"type": "object", "additionalProperties": True, "description": "Reason-specific data."},
    },
    "required": ["code", "message", "details"],
}

DESCRIPTIONS = {
    "400": "Invalid input, a broken domain rule or a body that is not accepted JSON",
    "401": "Not logged in",
    "403": "Not allowed",
    "404": "The patient or record does not exist or is not visible to you",
    "409": "The patient changed since you read it (details.current_version), or the visit is signed "
    "and locked (visit_signed)",
    "415": "The body's media type is not one this operation accepts",
}
WRITES = ("post", "put", "patch", "delete")
# Paths of a visit, or of an analysis of one: writes there meet the signed-visit lock.
VISIT_SCOPED = ("{visit_id}", "{analysis_id}")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return dict(components.get(ref.rsplit("/", 1)[-1], {}))
    return schema


def _takes_expected_version(operation: dict[str, Any], components: dict[str, Any]) -> bool:
    for media in operation.get("requestBody", {}).get("content", {}).values():
        if "expected_version" in _resolve(media.get("schema", {}), components).get("properties", {}):
            return True
    return False


def _admits_anonymous(operation: dict[str, Any]) -> bool:
    # drf-spectacular lists an empty requirement for views that allow unauthenticated calls.
    return any(requirement == {} for requirement in operation.get("security", [{}]))


def error_statuses(
    path: str, method: str, operation: dict[str, Any], components: dict[str, Any]
) -> list[str]:
    """The error statuses ``method`` on ``path`` can answer, as strings (OpenAPI response keys)."""
    statuses = ["400"]
    if not _admits_anonymous(operation):
        statuses += ["401", "403"]
    if "{patient_id}" in path:
        statuses.append("404")
    locked = method in WRITES and any(part in path for part in VISIT_SCOPED)
    if _takes_expected_version(operation, components) or locked:
        statuses.append("409")
    if "requestBody" in operation:
        statuses.append("415")
    return statuses


def document_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: Any
) -> dict[str, Any]:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, item in result.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status in error_statuses(path, method, operation, components):
                responses.setdefault(status, {"description": DESCRIPTIONS[status], "content": error_ref})
    return result
