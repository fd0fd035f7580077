"""Run projections: catch up from their checkpoints, follow the store, rebuild from zero.

Exactly-once: each batch's read-model changes and the checkpoint advance commit in one
transaction, and the checkpoint row is locked for the batch, so two processors (a
request catching up inline and the ``run_projections`` worker) never apply an event twice.
"""

from __future__ import annotations

import logging
import select
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction

from clinic.domain.events import EVENT_TYPES, event_from_data
from clinic.eventstore import store
from clinic.eventstore.store import Position
from clinic.projections.base import Projection
from clinic.projections.handlers import ALL
from clinic.projections.models import Checkpoint

log = logging.getLogger(__name__)


def ensure_checkpoint(name: str) -> None:
    """Create the checkpoint row ``name`` at position 0 unless it exists (any follower of the store)."""
    if not Checkpoint.objects.filter(name=name).exists():
        try:
            with transaction.atomic():
                Checkpoint.objects.create(name=name)
        except IntegrityError:
            pass  # another follower created it first


def process_batch(projection: Projection, *, batch_size: int = 500) -> int:
    """Apply the next batch of events to one projection; returns how many were read."""
    ensure_checkpoint(projection.name)
    with transaction.atomic():
        checkpoint = Checkpoint.objects.select_for_update().get(name=projection.name)
        events = store.read_all(
            after=Position(tx_id=checkpoint.tx_id, global_position=checkpoint.global_position),
            limit=batch_size,
        )
        if not events:
            return 0
        projection.begin_batch()
        for recorded in events:
            if recorded.event_type in EVENT_TYPES and projection.handles(recorded.event_type):
                projection.apply(event_from_data(recorded.event_type, recorded.data), recorded)
        projection.end_batch()
        checkpoint.tx_id = events[-1].tx_id
        checkpoint.global_position = events[-1].global_position
        checkpoint.save(update_fields=["tx_id", "global_position", "updated_at"])
    return len(events)


def catch_up(projections: Iterable[Projection] = ALL, *, batch_size: int = 500) -> int:
    """Bring every projection up to the store's horizon; returns events processed."""
    total = 0
    for projection in projections:
        while (n := process_batch(projection, batch_size=batch_size)) > 0:
            total += n
    return total


def rebuild(projections: Iterable[Projection] = ALL, *, batch_size: int = 2000) -> int:
    """Empty each projection and replay the store from position 0, one projection at a time.

    Each projection is rebuilt in one transaction, so readers see the old read model
    until the new one is complete.
    """
    total = 0
    for projection in projections:
        ensure_checkpoint(projection.name)
        with transaction.atomic():
            Checkpoint.objects.select_for_update().get(name=projection.name)
            projection.reset()
            Checkpoint.objects.filter(name=projection.name).update(tx_id=0, global_position=0)
            total += catch_up([projection], batch_size=batch_size)
    return total


# Connection-level failures (server restart, pg_terminate_backend, network): the follower
# reconnects and carries on. Other database errors (a bug in a handler, a constraint) still stop it.
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
try:
    import psycopg

    _CONNECTION_ERRORS += (psycopg.OperationalError, psycopg.InterfaceError)
except ImportError:  # pragma: no cover - psycopg is a dependency; SQLite-only installs still work
    pass


def follow(
    *,
    poll_interval_s: float = 1.0,
    stop_after_s: float | None = None,
    reconnect_delay_s: float = 0.5,
    max_reconnect_delay_s: float = 30.0,
    also: Callable[[], object] | None = None,
) -> None:
    """Keep projections up to date: wake on NOTIFY (PostgreSQL) and poll as a safety net.

    Polling matters even with NOTIFY: an event can become readable only when an older
    transaction finishes (the horizon moves), which sends no notification of its own.

    A lost database connection (a restart, a terminated backend) is not fatal: the follower
    drops both its connections, waits ``reconnect_delay_s`` (doubling up to
    ``max_reconnect_delay_s`` while the database stays away) and resumes from the committed
    checkpoints, so nothing is skipped or applied twice.

    ``also`` runs after each catch-up: another checkpointed follower of the store that shares this
    loop's wake-ups (``run_projections`` dispatches requested analyses this way).
    """
    deadline = None if stop_after_s is None else time.monotonic() + stop_after_s
    listener: _Listener | None = None
    delay_s = reconnect_delay_s
    while deadline is None or time.monotonic() < deadline:
        try:
            if listener is None:
                listener = _Listener.open()
            processed = catch_up()
            if processed:
                log.info("projections processed %d events", processed)
            if also is not None:
                also()
            delay_s = reconnect_delay_s  # the database answered: next outage starts from the short delay
            wait_s = _remaining(poll_interval_s, deadline)
            if listener is not None:
                listener.wait(wait_s)
            else:
                time.sleep(wait_s)
        except _CONNECTION_ERRORS as exc:
            log.warning("projections: database connection lost (%s); reconnecting in %.1f s", exc, delay_s)
            if listener is not None:
                listener.close()
                listener = None
            connection.close()
            time.sleep(_remaining(delay_s, deadline))
            delay_s = min(2 * delay_s, max_reconnect_delay_s)
    if listener is not None:
        listener.close()


def _remaining(wait_s: float, deadline: float | None) -> float:
    return wait_s if deadline is None else max(0.0, min(wait_s, deadline - time.monotonic()))


class _Listener:
    """A separate autocommit connection that LISTENs for the store's notifications (PostgreSQL)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    @classmethod
    def open(cls) -> _Listener | None:
        if connection.vendor != "postgresql":
            return None
        import psycopg

        connection.ensure_connection()
        params = {
            k: v
            for k, v in connection.get_connection_params().items()
            if k not in ("cursor_factory", "context")
        }
        conn = psycopg.connect(**params, autocommit=True)
        conn.execute(f"LISTEN {store.NOTIFY_CHANNEL}")
        return cls(conn)

    def wait(self, timeout_s: float) -> None:
        """Return on a notification or after ``timeout_s``; raise if the connection died."""
        ready, _, _ = select.select([self._conn.fileno()], [], [], timeout_s)
        if ready:
            # Drain everything pending: one catch-up handles any number of notifications.
            for _ in self._conn.notifies(timeout=0):
                pass

    def close(self) -> None:
        try:
            self._conn.close()
        except Exception:  # already broken: nothing left to release
            log.debug("closing the listener connection failed", exc_info=True)
