"""The API's JSON parser: bounded in size, nesting and numbers before a serializer sees the body.

DRF's own ``JSONParser`` reads the request stream directly, so Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (which guards ``request.body`` and forms) never applies to it, and
it lets ``json`` recurse until a ``RecursionError`` (a 500) on deeply nested brackets. This one:

* reads at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes: a longer body is 400 ``body_too_large``;
* refuses arrays and objects nested deeper than :data:`MAX_JSON_DEPTH` (no request of this API
  nests more than 3 levels): 400 ``invalid_json``;
* refuses numbers that are not finite once read (``1e999`` would become ``inf``), ``NaN`` and
  ``Infinity``: 400 ``invalid_json``;
* answers malformed JSON and undecodable bytes with 400 ``invalid_json``.

Every refusal carries ``details`` (the limit that was exceeded), rendered by
:func:`clinic.api.errors.exception_handler` as ``{"code", "message", "details"}``.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding

#: Deepest nesting of arrays and objects accepted in a request body (the top-level value is depth 1).
MAX_JSON_DEPTH: Final = 32


class BodyRefused(ParseError):
    """A body the API will not read; ``details`` names the limit (rendered by the exception handler)."""

    def __init__(self, message: str, *, code: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, code=code)
        self.details = details or {}


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large")
    return value


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _deeper_than(value: Any, max_depth: int) -> bool:
    """Whether ``value`` nests lists and dicts deeper than ``max_depth``; iterative, stops early."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _too_deep() -> BodyRefused:
    return BodyRefused(
        f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.",
        code="invalid_json",
        details={"max_depth": MAX_JSON_DEPTH},
    )


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise BodyRefused(
                f"The request body is larger than {limit} bytes.",
                code="body_too_large",
                details={"max_bytes": limit},
            )
        try:
            text = raw.decode(get_encoding(parser_context or {}))
            value = json.loads(text, parse_float=_finite, parse_constant=_refuse_constant)
        except RecursionError:
            # The C decoder gives up near the interpreter's recursion limit (~1000 levels), long
            # after MAX_JSON_DEPTH: such a body is refused for the same reason.
            raise _too_deep() from None
        except json.JSONDecodeError as exc:
            raise BodyRefused(
                f"The body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).",
                code="invalid_json",
                details={"line": exc.lineno, "column": exc.colno},
            ) from None
        except ValueError as exc:  # undecodable bytes, non-finite or over-long numbers
            raise BodyRefused(f"The body is not valid JSON: {exc}.", code="invalid_json") from None
        if _deeper_than(value, MAX_JSON_DEPTH):
            raise _too_deep()
        return value
