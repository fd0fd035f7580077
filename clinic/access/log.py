"""The access log: record every read and write of patient data in an HMAC chain.

How a row's hash is computed: clinic/access/chain.py; the signed checkpoints outside the
table: clinic/access/anchor.py; checking both: clinic/access/verify.py. Appends are
serialised (advisory lock on PostgreSQL, the database lock on SQLite) so that the chain
is linear.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from clinic.access import anchor, chain
from clinic.access.models import AccessLogEntry
from clinic.eventstore.context import current

# Arbitrary constant key for pg_advisory_xact_lock, unique to the access log.
_LOCK_KEY = 0x41434345


def record(*, user: Any, action: str, object_type: str, object_id: object, outcome: str = "allowed") -> None:
    """Append one access-log entry (in its own transaction unless the caller holds one)."""
    actor_id = getattr(user, "pk", None)
    ctx = current()
    actor = getattr(user, "username", "") or ctx.actor or "anonymous"
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        last = AccessLogEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, chain.GENESIS)
        entry = AccessLogEntry(
            seq=seq,
            at=timezone.now(),
            actor_id=actor_id,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            outcome=outcome,
            request_id=ctx.request_id,
            client_request_id=ctx.client_request_id,
            prev_hash=prev_hash,
        )
        entry.entry_hash = chain.entry_hash(entry, prev_hash=prev_hash, keyed=True)
        entry.save(force_insert=True)
        every = settings.ACCESS_LOG_ANCHOR_EVERY
        if every > 0 and seq % every == 0:
            # After the outermost commit: a rolled-back entry must never be anchored. robust:
            # a full disk loses a checkpoint (logged), not the request that already committed.
            head = entry.entry_hash
            transaction.on_commit(lambda: anchor.write(seq=seq, head=head), robust=True)
