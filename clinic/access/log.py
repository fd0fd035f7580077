"""The access log: record every read and write of patient data in an HMAC chain.

How a row's hash is computed: clinic/access/chain.py; the signed checkpoints outside the
table: clinic/access/anchor.py; checking both: clinic/access/verify.py. Appends are
serialised (advisory lock on PostgreSQL, the database lock on SQLite) so that the chain
is linear.

Every read of patient data appends here, so the lock is held as briefly as the chain
allows: on PostgreSQL, an append of its own takes the lock and reads the chain's head in
the first round trip and inserts and commits in the second, with only the hash computed
in between. Each step between round trips must wait for the interpreter (GIL), which is
busy with the other requests of the process; every such wait while holding the lock was
a wait for every reader of every process.

So appends of their own are group-committed (:class:`clinic.eventstore.batching.GroupCommit`, the
event store's): appends that arrive in one process while the lock is held wait and then go
together, chained in order under one lock, in one multi-row INSERT and one commit. Each request
still returns only once its own entry is committed; the lock is taken once per batch instead of
once per read (bench/load.py: 20 readers on 2 processes).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from clinic.access import anchor, chain
from clinic.access.models import AccessLogEntry
from clinic.eventstore.batching import GroupCommit, Request
from clinic.eventstore.context import current

# Arbitrary constant key for pg_advisory_xact_lock, unique to the access log.
_LOCK_KEY = 0x41434345
_TABLE = AccessLogEntry._meta.db_table
_HEAD = f"SELECT seq, entry_hash FROM {_TABLE} ORDER BY seq DESC LIMIT 1"
# Taking the lock and reading the head in one request is safe because PostgreSQL takes a new
# snapshot for each statement (READ COMMITTED, Django's default), after the lock is granted.
_LOCK_AND_HEAD = f"SELECT pg_advisory_xact_lock({_LOCK_KEY}); {_HEAD}"
_FIELDS = AccessLogEntry._meta.concrete_fields
_INSERT_INTO = "INSERT INTO {} ({}) VALUES ".format(
    _TABLE, ", ".join(connection.ops.quote_name(f.column) for f in _FIELDS)
)
_ROW = "({})".format(", ".join(["%s"] * len(_FIELDS)))
_INSERT = _INSERT_INTO + _ROW
_group_commit = GroupCommit()


def record(*, user: Any, action: str, object_type: str, object_id: object, outcome: str = "allowed") -> None:
    """Append one access-log entry (in its own transaction unless the caller holds one)."""
    ctx = current()
    entry = AccessLogEntry(
        actor_id=getattr(user, "pk", None),
        actor=getattr(user, "username", "") or ctx.actor or "anonymous",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        outcome=outcome,
        request_id=ctx.request_id,
        client_request_id=ctx.client_request_id,
    )
    if connection.vendor != "postgresql":
        with transaction.atomic():  # SQLite: BEGIN IMMEDIATE holds the write lock from the start
            with connection.cursor() as cur:
                cur.execute(_HEAD)
                _chain(entry, cur.fetchone())
            entry.save(force_insert=True)
    elif connection.in_atomic_block:  # the caller's transaction: locked until it commits
        _append_in_transaction(entry)
    elif connection.settings_dict["OPTIONS"].get("server_side_binding"):
        with transaction.atomic():  # no statements after a parameter in one request: four round trips
            _append_in_transaction(entry)
    else:  # each entry is its own "stream": the group commit never holds one back for another
        _group_commit.submit(
            Request(stream_id=str(id(entry)), payload=entry, expected_version=None),
            write_batch=_append_batch,
            write_one=_append_one,
            integrity_errors=(),
        )
    every = settings.ACCESS_LOG_ANCHOR_EVERY
    if every > 0 and entry.seq % every == 0:
        # After the outermost commit (at once if already committed): a rolled-back entry must never
        # be anchored. robust: a full disk loses a checkpoint (logged), not the request that
        # already committed.
        seq, head = entry.seq, entry.entry_hash
        transaction.on_commit(lambda: anchor.write(seq=seq, head=head), robust=True)


def _append_in_transaction(entry: AccessLogEntry) -> None:
    with connection.cursor() as cur:
        cur.execute(_LOCK_AND_HEAD)
        _chain(entry, _last_result(cur))
        cur.execute(_INSERT, _values(entry))


def _append_alone(entry: AccessLogEntry) -> None:
    """Two round trips on an autocommit connection: BEGIN, lock and head; then insert and COMMIT.

    The transaction is opened and closed in SQL, outside Django's bookkeeping, which sees an
    autocommit connection before and after; a failure rolls back before it is raised.
    """
    with connection.cursor() as cur:
        try:
            cur.execute(f"BEGIN; {_LOCK_AND_HEAD}")
            _chain(entry, _last_result(cur))
            cur.execute(f"{_INSERT}; COMMIT", _values(entry))
        except BaseException:
            _roll_back_open_transaction(cur)
            raise


def _append_one(request: Request) -> list[tuple[int, int]]:
    _append_alone(request.payload)
    return []


def _append_batch(batch: list[Request]) -> dict[str, list[tuple[int, int]]]:
    """:func:`_append_alone` for several entries: one lock, one head, one INSERT and one COMMIT."""
    entries: list[AccessLogEntry] = [request.payload for request in batch]
    with connection.cursor() as cur:
        try:
            cur.execute(f"BEGIN; {_LOCK_AND_HEAD}")
            head = _last_result(cur)
            for entry in entries:
                _chain(entry, head)
                head = (entry.seq, entry.entry_hash)
            rows = ", ".join([_ROW] * len(entries))
            cur.execute(f"{_INSERT_INTO}{rows}; COMMIT", [v for entry in entries for v in _values(entry)])
        except BaseException:
            _roll_back_open_transaction(cur)
            raise
    return {}


def _chain(entry: AccessLogEntry, head: tuple[int, str] | None) -> None:
    """Give ``entry`` the next position, its time (taken under the lock, so times follow
    positions) and its hash."""
    entry.seq, entry.prev_hash = (head[0] + 1, head[1]) if head else (1, chain.GENESIS)
    entry.at = timezone.now()
    entry.entry_hash = chain.entry_hash(entry, prev_hash=entry.prev_hash, keyed=True)


def _last_result(cur: Any) -> tuple[int, str] | None:
    """The row of the last statement of a multi-statement request (the chain's head)."""
    while cur.nextset():
        pass
    row: tuple[int, str] | None = cur.fetchone()
    return row


def _values(entry: AccessLogEntry) -> list[Any]:
    return [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _FIELDS]


def _roll_back_open_transaction(cur: Any) -> None:
    from psycopg.pq import TransactionStatus

    raw = connection.connection
    if raw is None or raw.closed or raw.info.transaction_status == TransactionStatus.IDLE:
        return
    try:
        cur.execute("ROLLBACK")
    except Exception:  # a broken connection: Django discards it at the end of the request
        connection.close_if_unusable_or_obsolete()
