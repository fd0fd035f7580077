"""Load a stream, decide commands against it, append the result: the services' one unit of work.

This is where optimistic concurrency meets the domain: the caller's
``expected_version`` (what the user last saw) is checked before deciding, and the
append itself is checked against the version the decision was made on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid5

from django.conf import settings
from django.db import transaction

from clinic.domain.commands import Command
from clinic.domain.decide import decide_patient
from clinic.domain.events import DomainEvent, event_from_data
from clinic.domain.patients import PatientState
from clinic.domain.patients import evolve as evolve_patient
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


class Unit(Generic[S]):
    """One unit of work on one stream: the state loaded once, decisions made against it in order,
    their events appended together at the end (see :func:`unit_of_work`)."""

    def __init__(
        self,
        stream_id: str,
        state: S,
        version: int,
        *,
        evolve: Callable[[S, DomainEvent], S],
        decide: Callable[[Any, S], list[DomainEvent]],
    ) -> None:
        self.stream_id = stream_id
        self.state = state
        self.loaded_version = version
        self._evolve = evolve
        self._decide = decide
        self.pending: list[NewEvent] = []
        self.result: AppendResult | None = None

    @property
    def version(self) -> int:
        """The stream's version once the pending events are appended."""
        return self.loaded_version + len(self.pending)

    def decide(self, command: Command, *, id_seed: UUID | None = None, label: str = "") -> list[DomainEvent]:
        """Decide ``command`` on the state so far, apply its events to it and keep them for the append.

        With ``id_seed`` the events' ids are derived from it and ``label`` (``uuid5(id_seed,
        f"{label}:{i}")``), so deciding the same thing twice, in two processes, stores it once: the
        store answers the second append of the same ids with the first one's result.
        """
        events = self._decide(command, self.state)
        for i, event in enumerate(events):
            self.state = self._evolve(self.state, event)
            self.pending.append(
                NewEvent(
                    event_type=event.event_type(),
                    schema_version=event.schema_version,
                    data=event.to_data(),
                    **({"event_id": uuid5(id_seed, f"{label}:{i}")} if id_seed is not None else {}),
                )
            )
        return events


@contextmanager
def unit_of_work(
    stream_id: str,
    *,
    evolve: Callable[[S, DomainEvent], S],
    initial: S,
    decide: Callable[[Any, S], list[DomainEvent]],
    expected_version: int | None = None,
) -> Iterator[Unit[S]]:
    """Load the stream once, let the block decide commands against it, append what they decided.

    The one way the services write: the caller's ``expected_version`` (what the user last saw) is
    checked before deciding (ConcurrencyConflict if the stream moved on), and the append is checked
    against the version the decisions were made on. All of it is one transaction; the read models
    are brought up to date after commit.
    """
    with transaction.atomic():
        state, version = load(stream_id, evolve, initial)
        if expected_version is not None and expected_version != version:
            raise ConcurrencyConflict(
                stream_id=stream_id, expected_version=expected_version, current_version=version
            )
        unit = Unit(stream_id, state, version, evolve=evolve, decide=decide)
        yield unit
        if unit.pending:
            unit.result = store.append(stream_id, unit.pending, expected_version=version)
    if unit.pending:
        refresh_read_models()


def execute(
    stream_id: str,
    command: Command,
    *,
    evolve: Callable[[S, DomainEvent], S],
    initial: S,
    decide: Callable[[Any, S], list[DomainEvent]],
    expected_version: int | None,
) -> AppendResult:
    """One command in its own unit of work; ConcurrencyConflict if the stream moved on."""
    with unit_of_work(
        stream_id, evolve=evolve, initial=initial, decide=decide, expected_version=expected_version
    ) as unit:
        unit.decide(command)
    if unit.result is None:
        raise ValueError("the command decided nothing to append")
    return unit.result


def patient_unit(
    patient_id: UUID, *, expected_version: int | None = None
) -> AbstractContextManager[Unit[PatientState]]:
    """:func:`unit_of_work` on a patient's stream."""
    return unit_of_work(
        patient_stream(patient_id),
        evolve=evolve_patient,
        initial=PatientState(),
        decide=decide_patient,
        expected_version=expected_version,
    )


def refresh_read_models() -> None:
    """Bring the projections up to date after a commit, so a user reads their own writes."""
    if not settings.PROJECTIONS_INLINE:
        return
    from clinic.projections.runner import catch_up

    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(catch_up)
    else:
        catch_up()
