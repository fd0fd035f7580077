"""PostgreSQL guarantees: immutability, out-of-order commits, 16 concurrent writers with a tailer."""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.test import override_settings

from clinic.eventstore import store
from clinic.eventstore.errors import ConcurrencyConflict
from clinic.eventstore.store import START, NewEvent, Position

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def ev(n: int) -> NewEvent:
    return NewEvent(event_type="Thing", data={"n": n})


def test_update_and_delete_are_refused_by_the_database(postgres: None) -> None:
    store.append("imm-1", [ev(1)], expected_version=0)
    for sql in ("UPDATE eventstore_event SET data = '{}'::jsonb", "DELETE FROM eventstore_event"):
        with (
            pytest.raises(DatabaseError, match="immutable"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql)
    assert store.read_stream("imm-1")[0].data == {"n": 1}


def _in_thread(target, *args):  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target(*args)
        except BaseException as exc:  # reported to the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@pytest.mark.parametrize("strategy", ["xid8", "lock"])
def test_an_event_committed_out_of_order_is_not_missed(postgres: None, strategy: str) -> None:
    """A takes position p and commits late; B takes p+1 and commits first. A tailer sees both."""
    with override_settings(EVENTSTORE_PG_STRATEGY=strategy):
        a_appended, release_a = threading.Event(), threading.Event()

        def slow_writer() -> None:
            with transaction.atomic():
                store.append("ooo-a", [ev(1)], expected_version=0)
                a_appended.set()
                release_a.wait(10)

        thread_a, errors_a = _in_thread(slow_writer)
        assert a_appended.wait(10)
        thread_b, errors_b = _in_thread(lambda: store.append("ooo-b", [ev(2)], expected_version=0))
        if strategy == "xid8":
            thread_b.join(10)  # B commits while A is still open
        else:
            time.sleep(0.3)  # B waits for A's table lock
        seen = store.read_all(after=START)
        # Whatever the tailer sees now, it must not have skipped A's earlier position.
        assert [e.stream_id for e in seen] in ([], ["ooo-a", "ooo-b"])
        checkpoint = seen[-1].position if seen else START
        release_a.set()
        thread_a.join(10)
        thread_b.join(10)
        assert not errors_a and not errors_b
        later = store.read_all(after=checkpoint)
        assert sorted(e.stream_id for e in [*seen, *later]) == ["ooo-a", "ooo-b"]


WRITERS = 16
APPENDS_PER_WRITER = 25


@pytest.mark.parametrize("strategy", ["xid8", "lock"])
def test_sixteen_writers_and_a_tailing_reader(postgres: None, strategy: str) -> None:
    with override_settings(EVENTSTORE_PG_STRATEGY=strategy):
        stop = threading.Event()
        read_positions: list[int] = []
        conflicts = [0]

        def writer(w: int) -> None:
            rng = random.Random(w)
            for i in range(APPENDS_PER_WRITER):
                # Half the appends go to four shared streams to force version conflicts.
                stream = f"shared-{rng.randrange(4)}" if i % 2 else f"own-{w}"
                while True:
                    try:
                        version = store.stream_version(stream)
                        store.append(stream, [ev(i), ev(i)], expected_version=version)
                        break
                    except ConcurrencyConflict:
                        conflicts[0] += 1

        def reader() -> None:
            position = START
            while True:
                done = stop.is_set()
                batch = store.read_all(after=position, limit=200)
                read_positions.extend(e.global_position for e in batch)
                if batch:
                    position = batch[-1].position
                elif done:
                    return
                else:
                    time.sleep(0.005)

        tail, tail_errors = _in_thread(reader)
        writers = [_in_thread(writer, w) for w in range(WRITERS)]
        for thread, errors in writers:
            thread.join(120)
            assert not errors, errors
        stop.set()
        tail.join(30)
        assert not tail_errors, tail_errors

        with connection.cursor() as cur:
            cur.execute("SELECT global_position FROM eventstore_event ORDER BY global_position")
            table_positions = [r[0] for r in cur.fetchall()]
            cur.execute(
                "SELECT stream_id, version, COUNT(*) FROM eventstore_event GROUP BY stream_id, version"
                " HAVING COUNT(*) > 1"
            )
            duplicates = cur.fetchall()
            cur.execute("SELECT stream_id, MAX(version), COUNT(*) FROM eventstore_event GROUP BY stream_id")
            gaps = [(s, v, n) for s, v, n in cur.fetchall() if v != n]
        assert len(table_positions) == WRITERS * APPENDS_PER_WRITER * 2
        assert len(read_positions) == len(set(read_positions)), "the tailer read an event twice"
        assert sorted(read_positions) == table_positions, "the tailer missed events"
        assert duplicates == [] and gaps == []
        assert conflicts[0] > 0, "the shared streams should have produced conflicts"


def test_position_type_orders_by_transaction_then_position() -> None:
    assert Position(tx_id=5, global_position=9) < Position(tx_id=6, global_position=1)


def test_a_long_transaction_in_another_database_does_not_hold_readers_back(postgres: None) -> None:
    """Only transactions of this database hold the horizon: elsewhere on the server they cannot
    write our events, so a long one there must not stall projections here."""
    import psycopg

    params = {
        k: v for k, v in connection.get_connection_params().items() if k not in ("cursor_factory", "context")
    }
    elsewhere = psycopg.connect(**{**params, "dbname": "postgres"})
    here = psycopg.connect(**params)
    try:
        with override_settings(EVENTSTORE_PG_STRATEGY="xid8"):
            elsewhere.execute(
                "SELECT pg_current_xact_id()"
            )  # an open transaction with an xid, other database
            store.append("horizon-1", [ev(1)], expected_version=0)
            assert [e.stream_id for e in store.read_all(after=START)] == ["horizon-1"]
            here.execute("SELECT pg_current_xact_id()")  # an open transaction with an xid, this database
            store.append("horizon-2", [ev(2)], expected_version=0)
            assert [e.stream_id for e in store.read_all(after=START)] == ["horizon-1"]
            here.commit()
            assert [e.stream_id for e in store.read_all(after=START)] == ["horizon-1", "horizon-2"]
    finally:
        elsewhere.close()
        here.close()


def test_a_group_commit_batch_keeps_each_appends_version_check(postgres: None) -> None:
    from clinic.eventstore.batching import Request
    from clinic.eventstore.store import _insert_batch, _rows

    store.append("gc-a", [ev(1)], expected_version=0)
    ok = Request(stream_id="gc-a", payload=_rows([ev(2), ev(3)]), expected_version=1)
    stale = Request(stream_id="gc-b", payload=_rows([ev(4)]), expected_version=5)
    new = Request(stream_id="gc-c", payload=_rows([ev(5)]), expected_version=None)
    rows = _insert_batch([ok, stale, new])
    assert [v for v, _ in rows["gc-a"]] == [2, 3]
    assert "gc-b" not in rows
    assert [v for v, _ in rows["gc-c"]] == [1]
    assert [e.data["n"] for e in store.read_stream("gc-a")] == [1, 2, 3]
    assert store.read_stream("gc-b") == []
    # One statement, one transaction: the batch's events share a transaction id.
    tx_ids = {
        e.tx_id
        for e in store.read_all(after=START)
        if (e.stream_id in ("gc-a", "gc-c") and e.version > 1) or e.stream_id == "gc-c"
    }
    assert len(tx_ids) == 1
