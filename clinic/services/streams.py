"""Load a stream, decide a command against it, append the result.

This is where optimistic concurrency meets the domain: the caller's
``expected_version`` (what the user last saw) is checked before deciding, and the
append itself is checked against the version the decision was made on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from django.conf import settings
from django.db import transaction

from clinic.domain.commands import Command
from clinic.domain.events import DomainEvent, event_from_data
from clinic.eventstore import store
from clinic.eventstore.errors import ConcurrencyConflict
from clinic.eventstore.store import AppendResult, NewEvent

S = TypeVar("S")


def patient_stream(patient_id: UUID) -> str:
    return f"patient-{patient_id}"


def practice_stream(practice_id: UUID) -> str:
    return f"practice-{practice_id}"


def load(stream_id: str, evolve: Callable[[S, DomainEvent], S], initial: S) -> tuple[S, int]:
    state, version = initial, 0
    for recorded in store.read_stream(stream_id):
        state = evolve(state, event_from_data(recorded.event_type, recorded.data))
        version = recorded.version
    return state, version


def execute(
    stream_id: str,
    command: Command,
    *,
    evolve: Callable[[S, DomainEvent], S],
    initial: S,
    decide: Callable[[Any, S], list[DomainEvent]],
    expected_version: int | None,
) -> AppendResult:
    """Decide ``command`` on the stream and append; ConcurrencyConflict if it moved on."""
    with transaction.atomic():
        state, version = load(stream_id, evolve, initial)
        if expected_version is not None and expected_version != version:
            raise ConcurrencyConflict(
                stream_id=stream_id, expected_version=expected_version, current_version=version
            )
        events = decide(command, state)
        result = store.append(
            stream_id,
            [
                NewEvent(event_type=e.event_type(), schema_version=e.schema_version, data=e.to_data())
                for e in events
            ],
            expected_version=version,
        )
    refresh_read_models()
    return result


def refresh_read_models() -> None:
    """Bring the projections up to date after a commit, so a user reads their own writes."""
    if not settings.PROJECTIONS_INLINE:
        return
    from clinic.projections.runner import catch_up

    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(catch_up)
    else:
        catch_up()
