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
import time

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


def test_appends_arriving_while_one_is_written_go_together_in_one_commit(postgres, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Readers that arrive while the chain is being written wait and are then written as one batch
    (one lock, one INSERT, one COMMIT), still each chained in order; every reader returns only
    once its own entry is committed."""
    first_written = threading.Event()
    others_queued = threading.Event()
    batches: list[int] = []
    write_one, write_batch = log._append_one, log._append_batch

    def slow_first(request):  # type: ignore[no-untyped-def]
        first_written.set()
        assert others_queued.wait(10)
        return write_one(request)

    def counted(batch):  # type: ignore[no-untyped-def]
        batches.append(len(batch))
        return write_batch(batch)

    monkeypatch.setattr(log, "_append_one", slow_first)
    monkeypatch.setattr(log, "_append_batch", counted)
    committed: list[str] = []

    def reader(name: str) -> None:
        try:
            log.record(user=None, action="read", object_type="patient", object_id=name)
            committed.append(name)
            # Returned: the entry is committed, visible to another connection.
            assert AccessLogEntry.objects.filter(object_id=name).exists()
        finally:
            connection.close()

    leader = threading.Thread(target=reader, args=("first",))
    leader.start()
    assert first_written.wait(10)
    followers = [threading.Thread(target=reader, args=(f"next-{i}",)) for i in range(5)]
    for thread in followers:
        thread.start()
    deadline = time.monotonic() + 10
    while len(log._group_commit._queue) < 5:  # the five waiting while the first is written
        assert time.monotonic() < deadline, "the readers did not queue behind the first"
        time.sleep(0.01)
    others_queued.set()
    for thread in [leader, *followers]:
        thread.join()
    assert sorted(committed) == sorted(["first", *(f"next-{i}" for i in range(5))])
    assert batches == [5]
    rows = list(AccessLogEntry.objects.order_by("seq").values_list("seq", "prev_hash", "entry_hash"))
    assert [r[0] for r in rows] == list(range(1, 7))
    assert all(later[1] == earlier[2] for earlier, later in itertools.pairwise(rows))
    call_command("verify_access_log")
