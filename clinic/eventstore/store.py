"""Append, read and follow events.

Guarantees
----------
* **Optimistic concurrency.** ``append`` takes the version the writer last saw; if the
  stream has moved on it raises :class:`ConcurrencyConflict` with the current version.
  A race between two writers on the same version is caught by the unique
  ``(stream_id, version)`` constraint, so the check cannot be bypassed.
* **Idempotency by event id.** Re-appending the same batch (same event ids, same stream)
  returns the original result and writes nothing.
* **Subscriptions never miss an event.** Positions come from a sequence, so with
  concurrent writers position 7 can commit before position 6. Two strategies keep
  readers safe on PostgreSQL (``EVENTSTORE_PG_STRATEGY``):

  - ``xid8`` (default): appends run concurrently and record their transaction id.
    ``read_all`` returns only events of transactions below the horizon (the oldest
    transaction of this database still running; every transaction below it has
    finished), ordered by ``(tx_id, position)``; a later commit always sorts after
    everything already read. The checkpoint is that pair.
  - ``lock``: appends take ``LOCK TABLE ... IN EXCLUSIVE MODE``, so they commit in
    position order and readers read by position (the ``eventsourcing`` library's
    default approach).

  ``bench/eventstore.py`` measures both; ``xid8`` was faster and lost nothing.
  On SQLite the database lock already serialises writers: readers read by position.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from clinic.eventstore.batching import GroupCommit, Request
from clinic.eventstore.context import current
from clinic.eventstore.errors import ConcurrencyConflict, DuplicateEventError
from clinic.eventstore.notifier import Notifier
from clinic.eventstore.upcasting import registry

try:
    from psycopg.errors import IntegrityError as _PgIntegrityError

    _INTEGRITY_ERRORS: tuple[type[Exception], ...] = (IntegrityError, _PgIntegrityError)
except ImportError:  # SQLite-only installations
    _INTEGRITY_ERRORS = (IntegrityError,)

_group_commit = GroupCommit()

NOTIFY_CHANNEL = "clinic_events"
_notifier = Notifier(NOTIFY_CHANNEL)
TABLE = "eventstore_event"


@dataclass(frozen=True, kw_only=True)
class NewEvent:
    event_type: str
    data: dict[str, Any]
    schema_version: int = 1
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)
    causation_id: str = ""


@dataclass(frozen=True, kw_only=True, order=True)
class Position:
    """Where a reader stands: commit order is ``(tx_id, global_position)``."""

    tx_id: int = 0
    global_position: int = 0


START = Position()


@dataclass(frozen=True, kw_only=True)
class RecordedEvent:
    global_position: int
    tx_id: int
    stream_id: str
    version: int
    event_id: uuid.UUID
    event_type: str
    schema_version: int
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime

    @property
    def position(self) -> Position:
        return Position(tx_id=self.tx_id, global_position=self.global_position)


@dataclass(frozen=True, kw_only=True)
class AppendResult:
    stream_id: str
    first_version: int
    last_version: int
    last_position: int
    duplicate: bool = False


def strategy() -> str:
    """The concurrency strategy in force: ``xid8``, ``lock`` or ``serial`` (SQLite)."""
    if connection.vendor != "postgresql":
        return "serial"
    value = getattr(settings, "EVENTSTORE_PG_STRATEGY", "xid8")
    if value not in {"xid8", "lock"}:
        raise ValueError(f"EVENTSTORE_PG_STRATEGY must be 'xid8' or 'lock', not {value!r}")
    return value


def append(stream_id: str, events: Sequence[NewEvent], *, expected_version: int | None) -> AppendResult:
    """Append ``events`` to ``stream_id`` if it is still at ``expected_version``.

    ``expected_version`` is the version the writer decided on (0 for a new stream);
    ``None`` appends whatever the current version is (for streams with one writer).

    The version check and the insert are one statement (see ``_insert``), so outside a
    transaction an append is a single round trip that commits by itself; inside one it
    runs under a savepoint, so a refused append leaves the caller's transaction usable.
    """
    if not events:
        raise ValueError("append needs at least one event")
    ids = [e.event_id for e in events]
    if len(set(ids)) != len(ids):
        raise DuplicateEventError("the batch repeats an event id")
    mode = strategy()
    rows = _rows(events)
    inserted: list[tuple[int, int]] = []
    try:
        if mode == "lock":
            with transaction.atomic(), _fast_cursor() as cur:
                cur.execute(f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE")
                inserted = _insert(cur, stream_id, rows, expected_version=expected_version, mode=mode)
        elif connection.in_atomic_block:
            with transaction.atomic(), _fast_cursor() as cur:
                inserted = _insert(cur, stream_id, rows, expected_version=expected_version, mode=mode)
        elif mode == "xid8" and settings.EVENTSTORE_GROUP_COMMIT:
            inserted = _group_commit.submit(
                Request(stream_id=stream_id, payload=rows, expected_version=expected_version),
                write_batch=_insert_batch,
                write_one=_write_one,
                integrity_errors=_INTEGRITY_ERRORS,
            )
        else:
            with _fast_cursor() as cur:  # autocommit: the statement is its own transaction
                inserted = _insert(cur, stream_id, rows, expected_version=expected_version, mode=mode)
    except _INTEGRITY_ERRORS:
        pass  # a concurrent writer took these versions, or these event ids were stored before
    if not inserted:
        existing = _existing(ids)
        if existing is not None:
            return existing
        raise ConcurrencyConflict(
            stream_id=stream_id,
            expected_version=-1 if expected_version is None else expected_version,
            current_version=stream_version(stream_id),
        )
    _notify(stream_id)
    versions = [v for v, _ in inserted]
    return AppendResult(
        stream_id=stream_id,
        first_version=min(versions),
        last_version=max(versions),
        last_position=max(p for _, p in inserted),
    )


def _write_one(request: Request) -> list[tuple[int, int]]:
    with _fast_cursor() as cur:  # autocommit: the statement is its own transaction
        return _insert(
            cur, request.stream_id, request.payload, expected_version=request.expected_version, mode="xid8"
        )


def _fast_cursor() -> Any:
    """A cursor for the append statement.

    On PostgreSQL a plain psycopg cursor with server-side parameters: psycopg prepares a
    statement it sees repeatedly, so an append costs no parsing or planning and far less
    client CPU than Django's client-side interpolation (see bench/eventstore.py).
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _notify(stream_id: str) -> None:
    """Wake followers (``run_projections``) once the append is committed; see ``notifier``."""
    if connection.vendor != "postgresql":
        return
    params = getattr(connection, "_eventstore_notify_params", None)
    if params is None:  # computed once per connection: appends are a hot path
        params = {
            k: v
            for k, v in connection.get_connection_params().items()
            if k not in ("cursor_factory", "context")
        }
        connection._eventstore_notify_params = params  # type: ignore[attr-defined]
    transaction.on_commit(lambda: _notifier.notify_soon(params))


def _current_version(cur: Any, stream_id: str) -> int:
    cur.execute(f"SELECT COALESCE(MAX(version), 0) FROM {TABLE} WHERE stream_id = %s", [stream_id])
    return int(cur.fetchone()[0])


def _existing(ids: list[uuid.UUID]) -> AppendResult | None:
    """The earlier result if every id is already stored in one stream; None if none is."""
    with connection.cursor() as cur:
        placeholders = ", ".join(["%s"] * len(ids))
        params = [i.hex if connection.vendor == "sqlite" else i for i in ids]
        cur.execute(
            f"SELECT stream_id, version, global_position FROM {TABLE} WHERE event_id IN ({placeholders})",
            params,
        )
        rows = cur.fetchall()
    if not rows:
        return None
    streams = {r[0] for r in rows}
    if len(rows) != len(ids) or len(streams) != 1:
        raise DuplicateEventError("part of this batch was appended before; resend the original batch")
    return AppendResult(
        stream_id=rows[0][0],
        first_version=min(r[1] for r in rows),
        last_version=max(r[1] for r in rows),
        last_position=max(r[2] for r in rows),
        duplicate=True,
    )


def _rows(events: Sequence[NewEvent]) -> list[list[Any]]:
    """The rows of a batch, metadata included, built in the appending thread (its context)."""
    ctx = current()
    recorded_at = timezone.now()
    sqlite = connection.vendor == "sqlite"
    rows = []
    for offset, event in enumerate(events, start=1):
        metadata = {
            "actor": ctx.actor,
            "request_id": ctx.request_id,
            "correlation_id": ctx.correlation_id or ctx.request_id,
            "causation_id": event.causation_id or ctx.causation_id,
            "recorded_at": recorded_at.isoformat(),
        }
        if ctx.client_request_id:
            metadata["client_request_id"] = ctx.client_request_id
        rows.append(
            [
                offset,
                event.event_id.hex if sqlite else event.event_id,
                event.event_type,
                event.schema_version,
                json.dumps(event.data),
                json.dumps(metadata),
                recorded_at,
            ]
        )
    return rows


def _insert(
    cur: Any, stream_id: str, rows: list[list[Any]], *, expected_version: int | None, mode: str
) -> list[tuple[int, int]]:
    """Insert one append numbered after the stream's current version; [(version, position)].

    One statement: the current version is read by a subquery and the rows are inserted
    only if it equals ``expected_version``, so a stale writer inserts nothing. Two
    writers that read the same version race on the unique (stream_id, version) index
    and the loser gets an IntegrityError.
    """
    json_cast = "" if connection.vendor == "sqlite" else "::jsonb"
    tx_sql = "pg_current_xact_id()::text::bigint" if mode == "xid8" else "0"
    values = ", ".join(f"(%s, %s, %s, %s, %s{json_cast}, %s{json_cast}, %s)" for _ in rows)
    check = "" if expected_version is None else "WHERE cur.v = %s"
    sql = (
        f"INSERT INTO {TABLE} (stream_id, version, event_id, event_type, schema_version, data, metadata,"
        f" recorded_at, tx_id)"
        f" SELECT %s, cur.v + b.column1, b.column2, b.column3, b.column4, b.column5, b.column6, b.column7,"
        f" {tx_sql} FROM (VALUES {values}) AS b,"
        f" (SELECT COALESCE(MAX(version), 0) AS v FROM {TABLE} WHERE stream_id = %s) AS cur"
        f" {check} RETURNING version, global_position"
    )
    params = [stream_id, *(value for row in rows for value in row), stream_id]
    if expected_version is not None:
        params.append(expected_version)
    cur.execute(sql, params)
    return [(int(v), int(p)) for v, p in cur.fetchall()]


def _insert_batch(requests: list[Request]) -> dict[str, list[tuple[int, int]]]:
    """Several appends (distinct streams) in one statement and one commit (PostgreSQL, xid8).

    Each row carries its append's stream and expected version; the current version is read
    per row (all rows see the statement's snapshot, so an append's rows number from the same
    version), and an append whose version moved inserts nothing while the others go in.
    """
    values, params = [], []
    for request in requests:
        for row in request.payload:
            values.append(
                "(%s::text, %s::int, %s::int, %s::uuid, %s::text, %s::int, %s::jsonb, %s::jsonb,"
                " %s::timestamptz)"
            )
            params += [request.stream_id, request.expected_version, *row]
    sql = (
        f"INSERT INTO {TABLE} (stream_id, version, event_id, event_type, schema_version, data, metadata,"
        f" recorded_at, tx_id)"
        f" SELECT b.s, cur.v + b.o, b.id, b.t, b.sv, b.d, b.m, b.at, pg_current_xact_id()::text::bigint"
        f" FROM (VALUES {', '.join(values)}) AS b(s, e, o, id, t, sv, d, m, at)"
        f" CROSS JOIN LATERAL (SELECT COALESCE(MAX(version), 0) AS v FROM {TABLE} WHERE stream_id = b.s) AS cur"
        f" WHERE b.e IS NULL OR cur.v = b.e RETURNING stream_id, version, global_position"
    )
    out: dict[str, list[tuple[int, int]]] = {}
    with _fast_cursor() as cur:
        cur.execute(sql, params)
        for stream_id, version, position in cur.fetchall():
            out.setdefault(stream_id, []).append((int(version), int(position)))
    return out


_COLUMNS = "global_position, tx_id, stream_id, version, event_id, event_type, schema_version, data, metadata, recorded_at"


def _row_to_event(row: Sequence[Any]) -> RecordedEvent:
    loads = json.loads
    data = row[7] if isinstance(row[7], dict) else loads(row[7])
    metadata = row[8] if isinstance(row[8], dict) else loads(row[8])
    schema_version, data = registry.upcast(row[5], int(row[6]), data)
    recorded_at = row[9]
    if isinstance(recorded_at, str):
        recorded_at = datetime.fromisoformat(recorded_at)
    event_id = row[4] if isinstance(row[4], uuid.UUID) else uuid.UUID(str(row[4]))
    return RecordedEvent(
        global_position=int(row[0]),
        tx_id=int(row[1]),
        stream_id=row[2],
        version=int(row[3]),
        event_id=event_id,
        event_type=row[5],
        schema_version=schema_version,
        data=data,
        metadata=metadata,
        recorded_at=recorded_at,
    )


def read_stream(stream_id: str, *, after_version: int = 0) -> list[RecordedEvent]:
    """Events of one stream in version order, upcast to their current schema."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {_COLUMNS} FROM {TABLE} WHERE stream_id = %s AND version > %s ORDER BY version",
            [stream_id, after_version],
        )
        return [_row_to_event(r) for r in cur.fetchall()]


def stream_version(stream_id: str) -> int:
    with connection.cursor() as cur:
        return _current_version(cur, stream_id)


# The transaction horizon of this database, for the ``xid8`` strategy: the oldest transaction
# of the statement's snapshot that is still running and may belong to this database, or the
# snapshot's xmax if none is. A running transaction is ignored only when pg_stat_activity
# positively places it in another database (a backend writes to one database only), so a
# long transaction elsewhere on the server does not hold this store's readers back. When
# in doubt (statistics not visible, transaction just finished) it counts: readers may wait a
# moment longer, but never skip an event. xids in pg_stat_activity are 32-bit; in-progress
# xids are unique modulo 2^32.
_HORIZON_CTE = (
    "snap AS (SELECT pg_current_snapshot() AS s),"
    " elsewhere AS (SELECT backend_xid::text::bigint AS xid32 FROM pg_stat_activity"
    "   WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()),"
    " horizon AS (SELECT COALESCE(MIN(x::text::bigint), MIN(pg_snapshot_xmax(snap.s)::text::bigint)) AS xid"
    "   FROM snap LEFT JOIN LATERAL pg_snapshot_xip(snap.s) AS x"
    "   ON (x::text::bigint %% 4294967296) NOT IN (SELECT xid32 FROM elsewhere))"
)


def read_all(*, after: Position = START, limit: int = 1000) -> list[RecordedEvent]:
    """The next committed events after ``after`` in commit order, at most ``limit``.

    Never returns an event that sorts before one it returned earlier, so a reader that
    stores the last position it processed sees every event exactly once.
    """
    mode = strategy()
    with connection.cursor() as cur:
        if mode == "xid8":
            cur.execute(
                f"WITH {_HORIZON_CTE} SELECT {_COLUMNS} FROM {TABLE}, horizon"
                " WHERE (tx_id, global_position) > (%s, %s) AND tx_id < horizon.xid"
                " ORDER BY tx_id, global_position LIMIT %s",
                [after.tx_id, after.global_position, limit],
            )
        else:
            cur.execute(
                f"SELECT {_COLUMNS} FROM {TABLE} WHERE global_position > %s ORDER BY global_position LIMIT %s",
                [after.global_position, limit],
            )
        return [_row_to_event(r) for r in cur.fetchall()]


def iter_all(*, after: Position = START, batch_size: int = 1000) -> Iterator[RecordedEvent]:
    """Every committed event after ``after``, in commit order, read in batches."""
    while True:
        batch = read_all(after=after, limit=batch_size)
        if not batch:
            return
        yield from batch
        after = batch[-1].position
