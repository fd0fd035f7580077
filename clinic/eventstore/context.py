"""Who and what caused an append: metadata carried by every event.

A request (or a task, or a command) opens a context with its actor and request id;
services pass causation explicitly when one event leads to another.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True, kw_only=True)
class ExecutionContext:
    actor: str = "system"
    request_id: str = ""
    # What the client called the request (X-Request-ID), if a safe token; never trusted as request_id.
    client_request_id: str = ""
    correlation_id: str = ""
    causation_id: str = ""


_DEFAULT = ExecutionContext()
_current: ContextVar[ExecutionContext] = ContextVar("clinic_execution_context", default=_DEFAULT)


def current() -> ExecutionContext:
    return _current.get()


@contextmanager
def execution_context(**changes: str) -> Iterator[ExecutionContext]:
    """Run a block with some context fields replaced (actor, request_id, ...)."""
    ctx = replace(_current.get(), **changes)
    if not ctx.request_id:
        ctx = replace(ctx, request_id=str(uuid.uuid4()))
    if not ctx.correlation_id:
        ctx = replace(ctx, correlation_id=ctx.request_id)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
