"""The run_projections worker wakes on NOTIFY, not only on its poll."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.db import connections
from django.test import override_settings

from clinic.domain.events import PracticeOpened
from clinic.eventstore import store
from clinic.eventstore.store import NewEvent
from clinic.projections.models import PracticeView
from clinic.projections.runner import follow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@override_settings(PROJECTIONS_INLINE=False)
def test_worker_applies_a_new_event_long_before_its_next_poll(postgres: None) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            follow(poll_interval_s=30.0, stop_after_s=8.0)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=worker)
    thread.start()
    time.sleep(1.0)  # the worker has caught up and is listening
    practice_id = uuid.uuid4()
    event = PracticeOpened(practice_id=practice_id, name="Notified PT")
    started = time.monotonic()
    store.append(
        f"practice-{practice_id}",
        [NewEvent(event_type=event.event_type(), data=event.to_data())],
        expected_version=0,
    )
    while (
        not PracticeView.objects.filter(practice_id=practice_id).exists() and time.monotonic() - started < 5
    ):
        time.sleep(0.02)
    latency_s = time.monotonic() - started
    thread.join(15)
    assert not errors, errors
    assert PracticeView.objects.get(practice_id=practice_id).name == "Notified PT"
    assert latency_s < 2.0, f"took {latency_s:.2f} s: the worker did not wake on NOTIFY"


def _append_practice(name: str) -> uuid.UUID:
    practice_id = uuid.uuid4()
    event = PracticeOpened(practice_id=practice_id, name=name)
    store.append(
        f"practice-{practice_id}",
        [NewEvent(event_type=event.event_type(), data=event.to_data())],
        expected_version=0,
    )
    return practice_id


def _wait_for_practice(practice_id: uuid.UUID, *, timeout_s: float) -> bool:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if PracticeView.objects.filter(practice_id=practice_id).exists():
            return True
        time.sleep(0.05)
    return False


@override_settings(PROJECTIONS_INLINE=False)
def test_worker_reconnects_after_its_database_connections_are_terminated(postgres: None) -> None:
    """``pg_terminate_backend`` on the follower's connections (what a PostgreSQL restart does to
    them) used to end ``run_projections`` with OperationalError; it now reconnects and catches up."""
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            follow(poll_interval_s=0.5, stop_after_s=12.0, reconnect_delay_s=0.2)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=worker)
    thread.start()
    before = _append_practice("Before the outage")
    assert _wait_for_practice(before, timeout_s=5), "the follower did not start"
    with connections["default"].cursor() as cur:
        cur.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        (terminated,) = cur.fetchone()
    assert terminated >= 2, "expected the follower's query and LISTEN connections to be terminated"
    time.sleep(1.0)  # the follower notices (its LISTEN socket closes) and reconnects
    after = _append_practice("After the outage")
    caught_up = _wait_for_practice(after, timeout_s=6)
    thread.join(20)
    assert not errors, errors
    assert caught_up, "the follower did not process an event appended after the connection loss"
