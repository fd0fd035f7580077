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
