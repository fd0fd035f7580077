"""The dispatcher of requested analyses (clinic/dispatch.py): an outbox over the event log."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest

from clinic import dispatch
from clinic.projections.models import Checkpoint
from clinic.services import analysis as service
from clinic.services import signals
from tests.factories import make_evaluation, make_patient, make_practice

pytestmark = pytest.mark.django_db(transaction=True)


def _request(practice: Any, patient: Any, visit_id: Any) -> Any:
    return service.analysis_request(
        user_or_actor=practice.therapist,
        patient_id=patient.id,
        visit_id=visit_id,
        source="recording",
        source_id=uuid4(),
        content_sha256=uuid4().hex * 2,
        config={"model": "lite", "activity": "squat"},
    )


@pytest.fixture
def world() -> Iterator[tuple[Any, Any, Any]]:
    """A visit whose analysis requests are only recorded: each test dispatches by hand."""
    signals.analysis_requested.disconnect(dispatch_uid="clinic.dispatch")
    try:
        practice = make_practice()
        patient = make_patient(practice.therapist)
        visit_id, _ = make_evaluation(practice.therapist, patient)
        yield practice, patient, visit_id
    finally:
        signals.analysis_requested.connect(dispatch.on_analysis_requested, dispatch_uid="clinic.dispatch")


def _checkpoint() -> tuple[int, int]:
    row = Checkpoint.objects.get(name=dispatch.CHECKPOINT)
    return row.tx_id, row.global_position


def test_a_request_is_handed_on_once_and_kept_while_the_broker_refuses(world: tuple[Any, Any, Any]) -> None:
    first = _request(*world)
    dispatch.dispatch_pending(send=lambda job: None)  # the dispatcher is past the first request
    before = _checkpoint()
    second = _request(*world)

    def broker_down(job: dict[str, Any]) -> None:
        raise ConnectionError("the broker is down")

    with pytest.raises(ConnectionError):
        dispatch.dispatch_pending(send=broker_down)
    assert _checkpoint() == before, "a refused send must not move the checkpoint"
    sent: list[dict[str, Any]] = []
    assert dispatch.dispatch_pending(send=sent.append) == 1
    assert [job["analysis_id"] for job in sent] == [str(second)] != [str(first)]
    assert sent[0]["config"]["activity"] == "squat" and sent[0]["source"] == "recording"
    assert dispatch.dispatch_pending(send=sent.append) == 0  # nothing twice


def test_thread_mode_answers_at_once_and_runs_the_analysis_beside(
    settings: Any, monkeypatch: pytest.MonkeyPatch, postgres: None
) -> None:
    """On PostgreSQL: the test database of SQLite is in memory with a shared cache, where two
    threads' transactions fail at once on a table lock ("database table is locked") instead of
    waiting as they do on the SQLite file of ``make run``."""
    settings.ANALYSIS_DISPATCH = "thread"
    release, ran = threading.Event(), []

    def slow_analysis(job: dict[str, Any]) -> None:
        release.wait(30)
        ran.append(job["analysis_id"])

    monkeypatch.setattr("clinic.dispatch.run_in_process", slow_analysis)
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    started = time.monotonic()
    analysis_id = _request(practice, patient, visit_id)
    assert time.monotonic() - started < 2.0, "the request waited for the analysis"
    assert ran == []
    release.set()
    deadline = time.monotonic() + 30
    while not ran and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ran == [str(analysis_id)]
    assert dispatch.embedded.idle.wait(30)
    dispatch.embedded.stop()


def test_thread_mode_takes_up_analyses_left_requested_by_a_stopped_process(
    world: tuple[Any, Any, Any],
) -> None:
    """A process that stopped mid-analysis in thread mode leaves it requested behind the checkpoint."""
    stranded = _request(*world)
    dispatch.dispatch_pending(send=lambda job: None)  # handed to a thread that died with its process
    assert [job["analysis_id"] for job in dispatch._stranded_jobs()] == [str(stranded)]
