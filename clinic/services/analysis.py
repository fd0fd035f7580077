"""Offline analyses: request one (an ``AnalysisRequested`` event), record its results or failure.

Reuse from other features (e.g. a live recording that was stopped)::

    from clinic.services.analysis import analysis_request, progress_group

    analysis_id = analysis_request(
        user_or_actor=request.user,          # or an actor string such as "task:recording"
        patient_id=patient_id,
        visit_id=visit_id,
        source="recording",                  # or "upload"
        source_id=recording_id,              # the recording id (or upload id)
        content_sha256=sequence_sha256,      # the "sequence" blob (or, for an upload, the "video" blob)
        config={"model": "lite", "activity": "squat"},  # see clinic.analysis_jobs.config.AnalysisConfig
    )

* ``source="upload"``: ``content_sha256`` names a ``"video"`` blob of the patient; the queue runs
  pose estimation first and stores the landmarks as a ``"sequence"`` blob.
* ``source="recording"``: ``content_sha256`` names a ``"sequence"`` blob in the format of
  :mod:`clinic.analysis_jobs.sequence` (use :func:`clinic.analysis_jobs.sequence.encode_sequence`); the queue
  starts at the analysis steps.

The request is idempotent: the same content with the same configuration on the same visit returns
the existing analysis id (queued or completed) and appends nothing. The committed event is the
request: :mod:`clinic.dispatch` follows the store and queues it (so a request made while the broker
is down runs once it is back, and one inside a transaction that rolls back never runs).

Progress goes to the Channels group :func:`progress_group` (``"visit-<visit id>"``) as messages
``{"type": "analysis.progress", "analysis_id", "stage", "percent", "status", "message"}`` where
``status`` is ``running``, ``completed`` or ``failed``; the visit page's WebSocket
(``ws/visits/<visit id>/analyses/``) relays them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NewType
from uuid import UUID, uuid5

from django.db import transaction

from clinic.analysis_jobs.config import analysis_config
from clinic.domain import commands as c
from clinic.domain.decide import decide_patient
from clinic.domain.events import DomainEvent, MetricValue
from clinic.domain.media import existing_analysis
from clinic.domain.patients import AnalysisState, PatientState, config_key, evolve
from clinic.eventstore import store
from clinic.eventstore.context import execution_context
from clinic.eventstore.store import NewEvent
from clinic.services import signals
from clinic.services.streams import load, patient_stream, refresh_read_models

log = logging.getLogger(__name__)

AnalysisId = NewType("AnalysisId", UUID)
SOURCES = ("upload", "recording")
# Fixed namespace for the ids derived here (analyses and their events).
_NAMESPACE = UUID("9a4f3c1e-6b57-4c0e-9d3e-5f1f0c2a7b11")


def progress_group(visit_id: UUID | str) -> str:
    """The Channels group that receives the progress of every analysis of a visit."""
    return f"visit-{visit_id}"


@contextmanager
def _acting(user_or_actor: Any, patient_id: UUID, action: str) -> Iterator[None]:
    """A user is checked for visibility (NotVisible = 404) and logged; an actor string is a system."""
    if isinstance(user_or_actor, str):
        with execution_context(actor=user_or_actor):
            yield
        return
    from clinic.services.patients import patient_access

    with patient_access(user_or_actor, patient_id, action):
        yield


def load_patient(patient_id: UUID) -> tuple[PatientState, int]:
    return load(patient_stream(patient_id), evolve, PatientState())


def append_decided(patient_id: UUID, command: c.Command, *, id_seed: UUID, label: str) -> list[DomainEvent]:
    """Decide ``command`` on the patient stream and append with event ids derived from ``id_seed``.

    A decision that yields nothing (already done) appends nothing. Because the ids are
    deterministic, two workers racing to append the same result store it once: the store
    answers the second append with the first one's result.
    """
    stream = patient_stream(patient_id)
    with transaction.atomic():
        state, version = load_patient(patient_id)
        events = decide_patient(command, state)
        if events:
            store.append(
                stream,
                [
                    NewEvent(
                        event_type=e.event_type(),
                        schema_version=e.schema_version,
                        data=e.to_data(),
                        event_id=uuid5(id_seed, f"{label}:{i}"),
                    )
                    for i, e in enumerate(events)
                ],
                expected_version=version,
            )
    if events:
        refresh_read_models()
    return events


def analysis_id_for(
    *, patient_id: UUID, visit_id: UUID, content_sha256: str, config: dict[str, Any], attempt: int
) -> AnalysisId:
    """Deterministic: the same request (and the same number of earlier failures) gives the same id."""
    key = f"{patient_id}:{visit_id}:{content_sha256}:{config_key(config)}:{attempt}"
    return AnalysisId(uuid5(_NAMESPACE, key))


def analysis_request(
    *,
    user_or_actor: Any,
    patient_id: UUID,
    visit_id: UUID,
    source: str,
    source_id: UUID,
    content_sha256: str,
    config: dict[str, Any] | None,
) -> AnalysisId:
    """Append ``AnalysisRequested`` and queue the work after commit; see the module docstring.

    Raises NotVisible for a user who may not see the patient, ``clinic.analysis_jobs.config.ConfigError``
    for a bad configuration and a DomainError (e.g. unknown visit, discharged patient).
    """
    canonical = analysis_config(config).to_dict()
    with _acting(user_or_actor, patient_id, "analysis_request"), transaction.atomic():
        state, _ = load_patient(patient_id)
        found = existing_analysis(state, visit_id=visit_id, content_sha256=content_sha256, config=canonical)
        if found is not None:
            return AnalysisId(found.analysis_id)
        attempt = sum(
            1
            for a in state.analyses.values()
            if (a.visit_id, a.content_sha256, a.config_key)
            == (visit_id, content_sha256, config_key(canonical))
        )
        analysis_id = analysis_id_for(
            patient_id=patient_id,
            visit_id=visit_id,
            content_sha256=content_sha256,
            config=canonical,
            attempt=attempt,
        )
        command = c.RequestAnalysis(
            visit_id=visit_id,
            source=source,
            source_id=source_id,
            content_sha256=content_sha256,
            config=canonical,
            analysis_id=analysis_id,
        )
        append_decided(patient_id, command, id_seed=analysis_id, label="requested")
        # The appended event is the request (an outbox): the dispatcher follows the store and
        # queues it, also when the broker is down now. The signal only wakes it after commit.
        transaction.on_commit(lambda: signals.analysis_requested.send(sender=None, analysis_id=analysis_id))
    return analysis_id


def analysis_state(patient_id: UUID, analysis_id: UUID) -> AnalysisState | None:
    state, _ = load_patient(patient_id)
    return state.analyses.get(analysis_id)


def analysis_complete(
    *,
    patient_id: UUID,
    analysis_id: UUID,
    software_version: str,
    sequence_sha256: str,
    metrics: tuple[MetricValue, ...],
    summary: dict[str, Any],
    actor: str = "task:analysis",
) -> list[DomainEvent]:
    """Record the results (once: a second call appends nothing). Returns the events appended."""
    command = c.CompleteAnalysis(
        analysis_id=analysis_id,
        software_version=software_version,
        sequence_sha256=sequence_sha256,
        metrics=metrics,
        summary=summary,
    )
    with execution_context(actor=actor):
        return append_decided(patient_id, command, id_seed=analysis_id, label="completed")


def sequence_record(
    *, patient_id: UUID, visit_id: UUID, sequence_sha256: str, upload_id: UUID, frames: int, fps: float,
    model: str, actor: str = "task:analysis",
) -> list[DomainEvent]:  # fmt: skip
    """Record the landmark sequence an uploaded video's pose step stored (once per visit)."""
    command = c.StoreLandmarkSequence(
        visit_id=visit_id,
        sequence_sha256=sequence_sha256,
        source_id=upload_id,
        frames=frames,
        fps=fps,
        model=model,
    )
    with execution_context(actor=actor):
        return append_decided(patient_id, command, id_seed=upload_id, label=f"sequence:{sequence_sha256}")


def analysis_fail(
    *, patient_id: UUID, analysis_id: UUID, reason: str, actor: str = "task:analysis"
) -> list[DomainEvent]:
    """Record that the analysis failed for good, with the reason in plain words."""
    with execution_context(actor=actor):
        return append_decided(
            patient_id,
            c.FailAnalysis(analysis_id=analysis_id, reason=reason),
            id_seed=analysis_id,
            label="failed",
        )


_listeners: list[Callable[[dict[str, Any]], None]] = []


@contextmanager
def listening(listener: Callable[[dict[str, Any]], None]) -> Iterator[None]:
    """Also hand every progress message published in this process to ``listener`` (the command
    line's progress bar when the analysis runs in-process)."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


def publish_progress(
    *,
    visit_id: UUID | str,
    analysis_id: UUID | str,
    stage: str,
    percent: float,
    status: str,
    message: str = "",
) -> None:
    """Send one progress message to the visit's Channels group; never fails the caller."""
    payload = {
        "type": "analysis.progress",
        "analysis_id": str(analysis_id),
        "stage": stage,
        "percent": round(float(percent), 1),
        "status": status,
        "message": message,
    }
    for listener in list(_listeners):
        listener(payload)
    try:
        from asgiref.sync import async_to_sync
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        if layer is None:
            return
        async_to_sync(layer.group_send)(progress_group(visit_id), payload)
    except Exception:  # progress is a courtesy: a channel-layer hiccup must not fail the analysis
        log.warning("could not publish analysis progress", exc_info=True)


def visit_analyses(*, user: Any, patient_id: UUID, visit_id: UUID) -> list[Any]:
    """The analyses of a visit, newest first (a logged read; NotVisible for a hidden patient or visit)."""
    from clinic import selectors
    from clinic.projections.models import AnalysisView

    selectors.visit_get(user=user, patient_id=patient_id, visit_id=visit_id)
    return list(
        AnalysisView.objects.filter(patient_id=patient_id, visit_id=visit_id).order_by("-requested_at")
    )
