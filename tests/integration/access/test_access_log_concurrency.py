"""Concurrent appends keep the access log one linear, verifiable chain (PostgreSQL).

Appends take the chain's advisory lock and read its head in one round trip and, in a transaction
of their own, insert and commit in a second (clinic/access/log.py). Readers of many threads, some
appending inside a transaction of their own that also rolls back now and then, must still leave
positions 1..n without gaps or forks, each entry chained to the one before, the checkpoints
matching, and no connection left inside a transaction.
"""

from __future__ import annotations

import itertools
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from clinic.access import log
from clinic.access.models import AccessLogEntry
from clinic.eventstore.context import execution_context

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
APPENDS = 25


class _RolledBack(Exception):
    pass


def _reader(index: int, errors: list[BaseException], idle: list[bool]) -> None:
    try:
        with execution_context(actor=f"reader-{index}"):
            for i in range(APPENDS):
                object_id = f"patient-{index}-{i}"
                if i % 5 == 0:  # inside the caller's transaction, which then rolls back
                    try:
                        with transaction.atomic():
                            log.record(user=None, action="read", object_type="patient", object_id=object_id)
                            raise _RolledBack
                    except _RolledBack:
                        pass
                elif i % 5 == 1:  # inside the caller's transaction, committed
                    with transaction.atomic():
                        log.record(user=None, action="write", object_type="patient", object_id=object_id)
                else:  # a transaction of its own
                    log.record(user=None, action="read", object_type="patient", object_id=object_id)
        idle.append(connection.connection.info.transaction_status == 0)  # pq.TransactionStatus.IDLE
    except BaseException as exc:  # reported by the test
        errors.append(exc)
    finally:
        connection.close()


def test_concurrent_appends_leave_one_linear_verified_chain(postgres, settings, capsys) -> None:  # type: ignore[no-untyped-def]
    settings.ACCESS_LOG_ANCHOR_EVERY = 7
    errors: list[BaseException] = []
    idle: list[bool] = []
    threads = [threading.Thread(target=_reader, args=(i, errors, idle)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert idle == [True] * THREADS, "a connection was left inside a transaction"

    kept = THREADS * APPENDS * 4 // 5  # every fifth append was rolled back with its transaction
    rows = list(AccessLogEntry.objects.order_by("seq").values_list("seq", "prev_hash", "entry_hash", "at"))
    assert [r[0] for r in rows] == list(range(1, kept + 1))
    assert all(later[1] == earlier[2] for earlier, later in itertools.pairwise(rows))
    assert all(later[3] >= earlier[3] for earlier, later in itertools.pairwise(rows)), (
        "times follow positions"
    )
    assert not AccessLogEntry.objects.filter(object_id__regex=r"^patient-\d+-(0|5|10|15|20)$").exists()
    call_command("verify_access_log")
    assert f"{kept} entries verified, {kept // 7} checkpoints matched" in capsys.readouterr().out


def test_a_failed_append_rolls_back_and_leaves_the_connection_usable(postgres, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from django.db import DataError

    log.record(user=None, action="read", object_type="patient", object_id="before")
    monkeypatch.setattr(log.chain, "entry_hash", lambda entry, **_: "x" * 65)  # too long for the column
    with pytest.raises(DataError):
        log.record(user=None, action="read", object_type="patient", object_id="refused")
    assert connection.connection.info.transaction_status == 0  # IDLE: not left in the failed BEGIN
    monkeypatch.undo()
    log.record(user=None, action="read", object_type="patient", object_id="after")
    assert list(AccessLogEntry.objects.order_by("seq").values_list("seq", "object_id")) == [
        (1, "before"),
        (2, "after"),
    ]
    call_command("verify_access_log")


def test_an_append_of_its_own_takes_two_round_trips(postgres) -> None:  # type: ignore[no-untyped-def]
    from django.test.utils import CaptureQueriesContext

    log.record(user=None, action="read", object_type="patient", object_id="first")
    with CaptureQueriesContext(connection) as captured:
        log.record(user=None, action="read", object_type="patient", object_id="second")
    # BEGIN, lock and head; then insert and COMMIT. The lock is held across one Python step.
    assert [q["sql"].split()[0] for q in captured.captured_queries] == ["BEGIN;", "INSERT"]
    assert captured.captured_queries[1]["sql"].endswith("; COMMIT")
    call_command("verify_access_log")
