"""Dispatch of requested analyses from the event log (an outbox): nothing is lost if the broker is down.

A service appends ``AnalysisRequested`` and commits; that event *is* the request. This module is a
checkpointed follower of the store that turns each ``AnalysisRequested`` into the analysis job
(:func:`job_from_event`) and hands it on (:func:`dispatch_pending`). The checkpoint advances in the
same transaction as the batch it covers and only once every job of the batch was handed on, so a
broker that is down leaves the checkpoint where it was and the same jobs are handed on again once
it is back. Handing a job on twice is harmless: the tasks are idempotent (they skip an analysis that
is no longer ``requested`` and record results with deterministic event ids).

Who follows, by ``ANALYSIS_DISPATCH``:

* ``queue`` (default with ``REDIS_URL``): jobs go to the Celery broker. ``run_projections`` follows
  the store (woken by NOTIFY, polling as a safety net) and dispatches; each commit of a request also
  nudges a dispatch in a background thread, so a job usually leaves within milliseconds. A request
  never waits on the broker.
* ``thread`` (the embedded default): one background thread per process hands jobs to itself and runs
  them one after the other, in-process, with the same progress messages as a worker. The upload
  request answers at once. At start the thread also takes up analyses left ``requested`` by a
  process that stopped mid-analysis (they have no worker to redeliver them).
* ``inline``: the job runs in the committing thread, after commit (tests, and commands that show
  the progress themselves).

This is an adapter (it knows Celery); services signal "an analysis was requested" through
:data:`clinic.services.signals.analysis_requested` and never import it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, transaction

from clinic.domain.events import AnalysisRequested, event_from_data
from clinic.eventstore import store
from clinic.eventstore.store import Position, RecordedEvent
from clinic.projections.models import Checkpoint
from clinic.projections.runner import ensure_checkpoint

log = logging.getLogger(__name__)

CHECKPOINT = "dispatch:analysis"
MODES = ("queue", "thread", "inline")
# The embedded thread ends after this long without work (a request starts it again).
IDLE_EXIT_S = 30.0
Job = dict[str, Any]


def mode() -> str:
    value = str(settings.ANALYSIS_DISPATCH)
    if value not in MODES:
        raise ValueError(f"ANALYSIS_DISPATCH must be one of {', '.join(MODES)}, not {value!r}")
    return value


def job_from_event(recorded: RecordedEvent) -> Job:
    """The JSON description of one analysis that travels with its tasks."""
    event = event_from_data(recorded.event_type, recorded.data)
    assert isinstance(event, AnalysisRequested)
    return {
        "patient_id": str(event.patient_id),
        "visit_id": str(event.visit_id),
        "analysis_id": str(event.analysis_id),
        "source": event.source,
        "source_id": str(event.source_id),
        "content_sha256": event.content_sha256,
        "config": event.config,
    }


def dispatch_pending(*, send: Callable[[Job], object], batch_size: int = 200) -> int:
    """Hand every ``AnalysisRequested`` after the checkpoint to ``send``; returns how many.

    Dispatchers in several processes take turns (the checkpoint row is locked for the batch). If
    ``send`` raises, nothing of the batch is marked done and the error propagates.
    """
    ensure_checkpoint(CHECKPOINT)
    total = 0
    while True:
        with transaction.atomic():
            checkpoint = Checkpoint.objects.select_for_update().get(name=CHECKPOINT)
            events = store.read_all(
                after=Position(tx_id=checkpoint.tx_id, global_position=checkpoint.global_position),
                limit=batch_size,
            )
            if not events:
                return total
            for recorded in events:
                if recorded.event_type == AnalysisRequested.event_type():
                    send(job_from_event(recorded))
                    total += 1
            checkpoint.tx_id = events[-1].tx_id
            checkpoint.global_position = events[-1].global_position
            checkpoint.save(update_fields=["tx_id", "global_position", "updated_at"])


def send_to_broker(job: Job) -> None:
    """Queue the task chain of ``job`` on the Celery broker (``publish_timeout_s`` at most)."""
    from clinic.tasks import analysis_workflow

    analysis_workflow(job).apply_async(
        retry=True,
        retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1.0},
    )


def run_in_process(job: Job) -> None:
    """Run the task chain of ``job`` here and now (a failure is recorded as AnalysisFailed)."""
    from clinic.tasks import analysis_workflow, record_failure

    try:
        analysis_workflow(job).apply()
    except Exception as exc:
        log.warning("analysis %s failed in-process", job["analysis_id"], exc_info=True)
        record_failure(job, exc, stage="in-process")


def dispatch_to_broker() -> int:
    """One dispatch round for ``queue`` mode; a broker that does not answer is logged, not raised."""
    from kombu.exceptions import OperationalError as BrokerError

    try:
        return dispatch_pending(send=send_to_broker)
    except (BrokerError, ConnectionError, TimeoutError, OSError) as exc:
        log.warning(
            "analysis dispatch: the broker is not reachable (%s); the jobs wait in the event log", exc
        )
        return 0


class _Embedded:
    """The one background thread of ``thread`` mode: dispatch to itself, run jobs in order."""

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False
        # Analyses a stopped process left requested are looked for once per process: the scan reads
        # the whole store, and the thread ends and starts again with every idle spell.
        self._stranded_checked = False
        self.idle = threading.Event()

    def wake(self) -> None:
        with self._lock:
            self._stopping = False
            if self._thread is None or not self._thread.is_alive():
                self.idle.clear()
                self._thread = threading.Thread(target=self._run, name="analysis-dispatch", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        jobs: list[Job] = []
        try:
            while True:
                try:
                    if not self._stranded_checked:
                        jobs.extend(_stranded_jobs())
                        self._stranded_checked = True
                    self._wake.clear()
                    dispatch_pending(send=jobs.append)
                except (OperationalError, InterfaceError) as exc:
                    # SQLite busy or locked by a writer, a lost connection: try again shortly.
                    log.warning("analysis dispatch: the database is busy (%s); trying again", exc)
                    close_old_connections()
                    time.sleep(0.2)
                    continue
                if self._stopping:
                    return
                if not jobs:
                    self.idle.set()
                    # Idle for a while: end the thread; the next request starts it again.
                    if not self._wake.wait(timeout=IDLE_EXIT_S) or self._stopping:
                        return
                    self.idle.clear()
                    continue
                run_in_process(jobs.pop(0))
        except Exception:
            log.exception("the in-process analysis dispatcher stopped; the next request starts it again")
        finally:
            self.idle.set()
            close_old_connections()

    def stop(self, *, timeout_s: float = 30.0) -> None:
        """End the thread after the analysis it is running (tests; a process that shuts down)."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout_s)


def _stranded_jobs() -> list[Job]:
    """Jobs of analyses still ``requested`` whose events the checkpoint has passed (a process that
    stopped while running them in ``thread`` mode)."""
    from clinic.projections.models import AnalysisView

    ensure_checkpoint(CHECKPOINT)
    checkpoint = Checkpoint.objects.get(name=CHECKPOINT)
    passed = Position(tx_id=checkpoint.tx_id, global_position=checkpoint.global_position)
    wanted = {
        str(a) for a in AnalysisView.objects.filter(status="requested").values_list("analysis_id", flat=True)
    }
    jobs = []
    for recorded in store.iter_all():
        if recorded.position > passed:
            break
        if recorded.event_type == AnalysisRequested.event_type():
            job = job_from_event(recorded)
            if job["analysis_id"] in wanted:
                jobs.append(job)
    return jobs


embedded = _Embedded()


def on_analysis_requested(**_: Any) -> None:
    """Receiver of :data:`clinic.services.signals.analysis_requested` (sent after commit)."""
    current = mode()
    if current == "inline":
        jobs: list[Job] = []
        dispatch_pending(send=jobs.append)
        for job in jobs:  # outside the dispatcher's transaction: the analysis commits its own results
            run_in_process(job)
    elif current == "thread":
        embedded.wake()
    else:
        nudge = threading.Thread(target=_nudge, name="analysis-dispatch-nudge", daemon=True)
        with _nudges_lock:
            _nudges.add(nudge)
        nudge.start()


_nudges: set[threading.Thread] = set()
_nudges_lock = threading.Lock()


def _nudge() -> None:
    try:
        dispatch_to_broker()
    finally:
        close_old_connections()
        with _nudges_lock:
            _nudges.discard(threading.current_thread())


def join_nudges(*, timeout_s: float = 10.0) -> None:
    """Wait for the nudges in flight (tests: before the test database goes away)."""
    with _nudges_lock:
        pending = list(_nudges)
    for nudge in pending:
        nudge.join(timeout_s)
