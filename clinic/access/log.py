"""The hash-chained access log: record every read and write of patient data, verify the chain.

entry_hash = SHA-256(prev_hash || canonical JSON of the entry's fields). The first
entry chains from 64 zeros. Appends are serialised (advisory lock on PostgreSQL, the
database lock on SQLite) so that the chain is linear.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from clinic.access.models import AccessLogEntry
from clinic.eventstore.context import current

GENESIS = "0" * 64
# Arbitrary constant key for pg_advisory_xact_lock, unique to the access log.
_LOCK_KEY = 0x41434345


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _fields(entry: AccessLogEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "outcome": entry.outcome,
        "request_id": entry.request_id,
    }


def record(*, user: Any, action: str, object_type: str, object_id: object, outcome: str = "allowed") -> None:
    """Append one access-log entry (in its own transaction unless the caller holds one)."""
    actor_id = getattr(user, "pk", None)
    actor = getattr(user, "username", "") or current().actor or "anonymous"
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        last = AccessLogEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        entry = AccessLogEntry(
            seq=seq,
            at=timezone.now(),
            actor_id=actor_id,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            outcome=outcome,
            request_id=current().request_id,
            prev_hash=prev_hash,
        )
        entry.entry_hash = _digest(prev_hash, _fields(entry))
        entry.save(force_insert=True)


@dataclass(frozen=True)
class VerifyResult:
    entries: int
    first_bad_seq: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def verify() -> VerifyResult:
    """Recompute the chain from the first entry; report the first entry that does not match."""
    prev_hash = GENESIS
    expected_seq = 1
    count = 0
    for entry in AccessLogEntry.objects.order_by("seq").iterator(chunk_size=2000):
        count += 1
        if entry.seq != expected_seq:
            return VerifyResult(count, entry.seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev_hash:
            return VerifyResult(count, entry.seq, "it does not chain from the previous entry")
        if _digest(prev_hash, _fields(entry)) != entry.entry_hash:
            return VerifyResult(count, entry.seq, "its content does not match its hash")
        prev_hash = entry.entry_hash
        expected_seq += 1
    return VerifyResult(count, None)
