"""The keyed, anchored access log against an attacker who can write the table.

On PostgreSQL a trigger refuses UPDATE and DELETE on access_log; the attacker here is
someone with enough rights to bypass it (``session_replication_role = replica`` skips
triggers), which is exactly the case the key and the checkpoints are for. Run on SQLite
(default) and on PostgreSQL (DATABASE_URL).
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings

from clinic.access import anchor, chain, log
from clinic.access.models import AccessLogEntry
from clinic.eventstore.context import execution_context

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_KEY = "an-attacker-chosen-access-log-key-" + "0123456789abcdefghijklmnop"


def _log(count: int) -> None:
    with execution_context(actor="tess"):
        for i in range(count):
            log.record(user=None, action="read", object_type="patient", object_id=f"patient-{i}")


@contextmanager
def _bypassing_the_trigger() -> Iterator[Any]:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = replica")
        try:
            yield cur
        finally:
            if connection.vendor == "postgresql":
                cur.execute("SET session_replication_role = DEFAULT")


def _rewrite_from(first_seq: int, *, key: str | None, legacy_fields: bool = False) -> None:
    """Change an entry's actor and recompute every later hash: plain SHA-256 over the
    same fields if ``key`` is None (all an attacker without the key can do), else HMAC
    with ``key``; ``legacy_fields``: exactly the old unkeyed scheme."""
    prev_hash = AccessLogEntry.objects.get(seq=first_seq - 1).entry_hash if first_seq > 1 else chain.GENESIS
    rows = list(AccessLogEntry.objects.filter(seq__gte=first_seq).order_by("seq"))
    rows[0].actor = "someone-else"
    with _bypassing_the_trigger() as cur:
        for row in rows:
            if legacy_fields:
                digest = chain.entry_hash(row, prev_hash=prev_hash, keyed=False)
            elif key is None:
                message = prev_hash.encode() + chain.canonical(chain.fields(row, keyed=True))
                digest = hashlib.sha256(message).hexdigest()
            else:
                with override_settings(ACCESS_LOG_KEY=key):
                    digest = chain.entry_hash(row, prev_hash=prev_hash, keyed=True)
            cur.execute(
                "UPDATE access_log SET actor = %s, prev_hash = %s, entry_hash = %s WHERE seq = %s",
                [row.actor, prev_hash, digest, row.seq],
            )
            prev_hash = digest


def _delete_from(first_seq: int) -> None:
    with _bypassing_the_trigger() as cur:
        cur.execute("DELETE FROM access_log WHERE seq >= %s", [first_seq])


def _broken_at(seq: int) -> str:
    with pytest.raises(CommandError, match=rf"^access log broken at entry {seq}: ") as failure:
        call_command("verify_access_log")
    return str(failure.value)


def _verified(capsys: pytest.CaptureFixture[str]) -> str:
    call_command("verify_access_log")
    return capsys.readouterr().out


def test_checkpoints_every_n_entries_and_on_command_and_verify_passes(settings, capsys) -> None:  # type: ignore[no-untyped-def]
    settings.ACCESS_LOG_ANCHOR_EVERY = 3
    _log(7)
    assert [c.seq for c in anchor.read()] == [3, 6]
    call_command("anchor_access_log")
    checkpoints = anchor.read()
    assert [c.seq for c in checkpoints] == [3, 6, 7]
    assert checkpoints[-1].head == AccessLogEntry.objects.get(seq=7).entry_hash
    assert settings.ACCESS_LOG_ANCHOR_PATH.stat().st_mode & 0o077 == 0
    assert "7 entries verified, 3 checkpoints matched" in _verified(capsys)
    call_command("anchor_access_log")
    assert "unchanged since the checkpoint" in capsys.readouterr().out
    assert len(anchor.read()) == 3


def test_a_rolled_back_entry_is_never_anchored(settings) -> None:  # type: ignore[no-untyped-def]
    settings.ACCESS_LOG_ANCHOR_EVERY = 2
    _log(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        _log(1)
        raise RuntimeError("the request failed")
    assert anchor.read() == []
    _log(1)
    assert [c.seq for c in anchor.read()] == [2]
    call_command("verify_access_log")


def test_removing_the_last_entries_after_a_checkpoint_is_detected() -> None:
    _log(6)
    call_command("anchor_access_log")
    _log(2)
    _delete_from(5)
    message = _broken_at(5)
    assert "entries 5 to 6 were removed: the table ends at entry 4" in message


@pytest.mark.parametrize("anchored", [False, True])
def test_a_rewrite_with_recomputed_plain_hashes_is_detected(anchored: bool) -> None:
    _log(6)
    if anchored:
        call_command("anchor_access_log")
    _rewrite_from(2, key=None)
    assert "its content does not match its hash" in _broken_at(2)


def test_a_rewrite_with_the_wrong_key_is_detected() -> None:
    _log(6)
    call_command("anchor_access_log")
    _rewrite_from(3, key=OTHER_KEY)
    assert "ACCESS_LOG_KEY is not the key it was written with" in _broken_at(3)


def test_a_rewrite_by_someone_with_the_key_still_fails_the_checkpoint() -> None:
    _log(5)
    call_command("anchor_access_log")
    _log(2)
    _rewrite_from(4, key=_configured_key())
    assert "its hash differs from the signed checkpoint" in _broken_at(5)


def _configured_key() -> str:
    from django.conf import settings

    return str(settings.ACCESS_LOG_KEY)


def test_an_altered_or_foreign_checkpoint_is_reported(settings) -> None:  # type: ignore[no-untyped-def]
    _log(4)
    call_command("anchor_access_log")
    path = settings.ACCESS_LOG_ANCHOR_PATH
    line = json.loads(path.read_text())
    path.write_text(json.dumps({**line, "seq": 2}) + "\n")
    with pytest.raises(CommandError, match=r"broken in its checkpoints: checkpoint line 1 .* was altered"):
        call_command("verify_access_log")
    path.unlink()
    head = AccessLogEntry.objects.get(seq=4).entry_hash
    with override_settings(ACCESS_LOG_KEY=OTHER_KEY):
        anchor.write(seq=4, head=head)
    with pytest.raises(
        CommandError, match=r"line 1 .* was signed with key [0-9a-f]{16}, not with the configured"
    ):
        call_command("verify_access_log")


def test_a_torn_last_checkpoint_line_is_skipped_and_closed_by_the_next(settings) -> None:  # type: ignore[no-untyped-def]
    _log(2)
    call_command("anchor_access_log")
    with settings.ACCESS_LOG_ANCHOR_PATH.open("a") as file:
        file.write('{"seq": 9, "head": "ab')  # a crash in the middle of a write
    call_command("verify_access_log")
    _log(1)
    call_command("anchor_access_log")
    assert [c.seq for c in anchor.read()] == [2, 3]
    call_command("verify_access_log")


def test_anchoring_refuses_a_tampered_head() -> None:
    _log(3)
    call_command("anchor_access_log")
    _log(2)
    _rewrite_from(5, key=None)
    with pytest.raises(CommandError, match="not anchored: access log broken at entry 5"):
        call_command("anchor_access_log")
    assert [c.seq for c in anchor.read()] == [3]


def test_unkeyed_rows_of_an_old_installation_stay_verifiable_and_cannot_be_imitated(capsys) -> None:  # type: ignore[no-untyped-def]
    # Rows as the old code wrote them: plain SHA-256, before client_request_id existed.
    prev_hash = chain.GENESIS
    for seq in (1, 2, 3):
        old = AccessLogEntry(
            seq=seq, at=_now(), actor="tess", action="read", object_type="patient", object_id=f"p{seq}",
            outcome="allowed", request_id=f"req-{seq}", prev_hash=prev_hash,
        )  # fmt: skip
        old.entry_hash = chain.entry_hash(old, prev_hash=prev_hash, keyed=False)
        old.save(force_insert=True)
        prev_hash = old.entry_hash
    migration = importlib.import_module("clinic.access.migrations.0004_seal_unkeyed_access_log")
    with connection.schema_editor() as editor:
        migration.forwards(apps, editor)
        migration.forwards(apps, editor)  # idempotent
    assert [(c.seq, c.legacy_until) for c in anchor.read()] == [(3, 3)]
    _log(2)
    call_command("anchor_access_log")
    assert [(c.seq, c.legacy_until) for c in anchor.read()] == [(3, 3), (5, 3)]
    assert "5 entries verified, 2 checkpoints matched" in _verified(capsys)
    # New rows cannot pass as old ones: rewritten with the unkeyed scheme, they fail.
    _rewrite_from(4, key=None, legacy_fields=True)
    _broken_at(4)


def test_an_old_row_edited_after_the_upgrade_is_detected() -> None:
    prev_hash = chain.GENESIS
    for seq in (1, 2):
        old = AccessLogEntry(
            seq=seq, at=_now(), actor="tess", action="read", object_type="patient", object_id="p",
            outcome="allowed", request_id="", prev_hash=prev_hash,
        )  # fmt: skip
        old.entry_hash = chain.entry_hash(old, prev_hash=prev_hash, keyed=False)
        old.save(force_insert=True)
        prev_hash = old.entry_hash
    anchor.seal_legacy_segment(seq=2, head=prev_hash)
    _rewrite_from(
        1, key=None, legacy_fields=True
    )  # consistent plain hashes, but the signed head no longer matches
    assert "differs from the signed checkpoint" in _broken_at(2)


def test_on_postgres_the_attacker_really_needed_to_bypass_the_trigger(postgres) -> None:  # type: ignore[no-untyped-def]
    from django.db import DatabaseError

    _log(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM access_log WHERE seq = 2")
    with connection.cursor() as cur:
        cur.execute("ALTER TABLE access_log DISABLE TRIGGER access_log_append_only")
        try:
            cur.execute("UPDATE access_log SET object_id = %s WHERE seq = 1", ["patient-x"])
        finally:
            cur.execute("ALTER TABLE access_log ENABLE TRIGGER access_log_append_only")
    _broken_at(1)


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()
