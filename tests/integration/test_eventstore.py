"""The event store on the configured database (SQLite locally, PostgreSQL in CI)."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection, transaction

from clinic.eventstore import store
from clinic.eventstore.context import execution_context
from clinic.eventstore.errors import ConcurrencyConflict, DuplicateEventError
from clinic.eventstore.store import NewEvent

pytestmark = pytest.mark.django_db(transaction=True)


def ev(n: int = 0, **kw: object) -> NewEvent:
    return NewEvent(event_type="Thing", data={"n": n}, **kw)  # type: ignore[arg-type]


def test_append_assigns_versions_and_positions() -> None:
    first = store.append("s-1", [ev(1), ev(2)], expected_version=0)
    second = store.append("s-1", [ev(3)], expected_version=2)
    assert (first.first_version, first.last_version, second.last_version) == (1, 2, 3)
    assert second.last_position > first.last_position
    assert [e.data["n"] for e in store.read_stream("s-1")] == [1, 2, 3]
    assert store.stream_version("s-1") == 3
    assert store.stream_version("missing") == 0


def test_stale_version_is_a_conflict_with_the_current_version() -> None:
    store.append("s-2", [ev(1), ev(2)], expected_version=0)
    with pytest.raises(ConcurrencyConflict) as err:
        store.append("s-2", [ev(3)], expected_version=1)
    assert err.value.current_version == 2 and err.value.expected_version == 1
    assert len(store.read_stream("s-2")) == 2


def test_appending_the_same_event_ids_again_is_idempotent() -> None:
    batch = [ev(1), ev(2)]
    first = store.append("s-3", batch, expected_version=0)
    again = store.append("s-3", batch, expected_version=0)
    assert again.duplicate and again.last_position == first.last_position and again.last_version == 2
    assert len(store.read_stream("s-3")) == 2
    with pytest.raises(DuplicateEventError):
        store.append("s-3", [batch[0], ev(9)], expected_version=2)
    assert len(store.read_stream("s-3")) == 2


def test_every_event_carries_metadata() -> None:
    cause = str(uuid.uuid4())
    with execution_context(actor="tess", request_id="req-1"):
        store.append("s-4", [ev(1, causation_id=cause)], expected_version=0)
    [event] = store.read_stream("s-4")
    assert event.metadata["actor"] == "tess"
    assert event.metadata["request_id"] == "req-1"
    assert event.metadata["correlation_id"] == "req-1"
    assert event.metadata["causation_id"] == cause
    assert event.metadata["recorded_at"]


def test_old_schema_versions_are_upcast_on_read() -> None:
    pid = str(uuid.uuid4())
    v1 = {
        "patient_id": pid,
        "practice_id": str(uuid.uuid4()),
        "given_name": "A",
        "family_name": "B",
        "date_of_birth": "1960-01-01",
        "sex": "male",
        "contact_sealed": "",
        "diagnoses": ["M17.11"],
        "referring_physician": "",
        "payer": "",
    }
    store.append(
        f"patient-{pid}",
        [NewEvent(event_type="PatientRegistered", schema_version=1, data=v1)],
        expected_version=0,
    )
    [event] = store.read_stream(f"patient-{pid}")
    assert event.schema_version == 2
    assert event.data["diagnoses"] == [{"code": "M17.11", "description": ""}]
    # The stored row itself is unchanged.
    with connection.cursor() as cur:
        cur.execute(
            "SELECT schema_version, data FROM eventstore_event WHERE stream_id = %s", [f"patient-{pid}"]
        )
        version, raw = cur.fetchone()
    assert version == 1
    assert (raw if isinstance(raw, dict) else json.loads(raw))["diagnoses"] == ["M17.11"]


def test_read_all_is_in_commit_order_and_resumable() -> None:
    for i in range(5):
        store.append(f"r-{i % 2}", [ev(i)], expected_version=None)
    everything = store.read_all(limit=100)
    assert [e.data["n"] for e in everything] == [0, 1, 2, 3, 4]
    tail = store.read_all(after=everything[1].position, limit=100)
    assert [e.data["n"] for e in tail] == [2, 3, 4]
    assert [e.data["n"] for e in store.iter_all(batch_size=2)] == [0, 1, 2, 3, 4]


def test_failed_transaction_leaves_nothing() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        store.append("s-5", [ev(1)], expected_version=0)
        raise RuntimeError("boom")
    assert store.read_stream("s-5") == []
