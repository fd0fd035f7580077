"""The access log's hash chain: which fields a row's hash covers, and how it is computed.

Two schemes, told apart by position, never by anything stored in the row (a row that
could declare itself "legacy" could be downgraded by whoever rewrites it):

- keyed (every row after the legacy segment):
  ``entry_hash = HMAC-SHA256(K_chain, prev_hash || canonical JSON of the fields)``,
  ``client_request_id`` included;
- legacy (rows written before the chain was keyed, up to the ``legacy_until`` that a
  signed checkpoint records, see clinic/access/anchor.py):
  ``entry_hash = SHA-256(prev_hash || canonical JSON of the fields)`` without it.

``K_chain``, the checkpoint-signing key and the key id are derived from ACCESS_LOG_KEY by
HMAC with distinct labels, so a value of one kind can never stand in for another. The
key is not in the database: without it, rewriting a row and recomputing the later
hashes still breaks the chain at the rewritten row. The first row chains from 64 zeros.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from clinic.access.models import AccessLogEntry

GENESIS = "0" * 64


def derived_key(label: str) -> bytes:
    key = settings.ACCESS_LOG_KEY
    if not key:
        raise ImproperlyConfigured("ACCESS_LOG_KEY is empty: set it, or unset it to use the generated one.")
    return hmac.new(key.encode(), f"clinic-access-log:{label}".encode(), hashlib.sha256).digest()


def key_id() -> str:
    """A public fingerprint of ACCESS_LOG_KEY, written into checkpoints to name the key."""
    return derived_key("key-id").hex()[:16]


def canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def fields(entry: AccessLogEntry, *, keyed: bool) -> dict[str, Any]:
    covered = {
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
    if keyed:
        covered["client_request_id"] = entry.client_request_id
    return covered


def entry_hash(entry: AccessLogEntry, *, prev_hash: str, keyed: bool) -> str:
    message = prev_hash.encode() + canonical(fields(entry, keyed=keyed))
    if keyed:
        return hmac.new(derived_key("chain"), message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()
