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
  :mod:`capture.sequence` (use :func:`capture.sequence.encode_sequence`); the queue
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
from dataclasses import dataclass
from typing import Any, NewType
from uuid import UUID, uuid5

from django.db import transaction

from clinic.analysis_jobs.config import analysis_config
from clinic.domain import commands as c
from clinic.domain.analyses import existing_analysis
from clinic.domain.events import DomainEvent, MetricValue, WithheldValue
from clinic.domain.patients import AnalysisState, PatientState, config_key, evolve
from clinic.domain.roles import Actor, system_actor
from clinic.eventstore.context import execution_context
from clinic.services import signals
from clinic.services.actors import actor_of
from clinic.services.streams import Unit, load, patient_stream, patient_unit

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
    """Append ``AnalysisRequested`` (the request itself); see the module docstring.

    Raises NotVisible for a user who may not see the patient, ``clinic.analysis_jobs.config.ConfigError``
    for a bad configuration and a DomainError (e.g. unknown visit, discharged patient).
    """
    canonical = analysis_config(config).to_dict()
    actor = system_actor(user_or_actor) if isinstance(user_or_actor, str) else actor_of(user_or_actor)
    with _acting(user_or_actor, patient_id, "analysis_request"), patient_unit(patient_id) as unit:
        return request_in(
            unit, patient_id=patient_id, visit_id=visit_id, source=source, source_id=source_id,
            content_sha256=content_sha256, config=canonical, actor=actor,
        )  # fmt: skip


def request_in(
    unit: Unit[PatientState], *, patient_id: UUID, visit_id: UUID, source: str, source_id: UUID,
    content_sha256: str, config: dict[str, Any], actor: Actor,
) -> AnalysisId:  # fmt: skip
    """Decide the request of an analysis within the caller's unit of work (``config`` canonical).

    The same content with the same configuration on the same visit is the existing analysis (queued
    or completed): nothing is decided. Otherwise the committed ``AnalysisRequested`` is the request
    (an outbox): :mod:`clinic.dispatch` follows the store and queues it, also when the broker is down
    now; the signal only wakes it after commit.
    """
    state = unit.state
    found = existing_analysis(state, visit_id=visit_id, content_sha256=content_sha256, config=config)
    if found is not None:
        return AnalysisId(found.analysis_id)
    attempt = sum(
        1
        for a in state.analyses.values()
        if (a.visit_id, a.content_sha256, a.config_key) == (visit_id, content_sha256, config_key(config))
    )
    analysis_id = analysis_id_for(
        patient_id=patient_id, visit_id=visit_id, content_sha256=content_sha256, config=config,
        attempt=attempt,
    )  # fmt: skip
    command = c.RequestAnalysis(
        visit_id=visit_id,
        source=source,
        source_id=source_id,
        content_sha256=content_sha256,
        config=config,
        analysis_id=analysis_id,
        actor=actor,
    )
    unit.decide(command, id_seed=analysis_id, label="requested")
    transaction.on_commit(lambda: signals.analysis_requested.send(sender=None, analysis_id=analysis_id))
    return analysis_id


# The options that change the landmarks (the pose model and how many people it reports per frame).
POSE_OPTIONS = ("model", "max_people")


def reusable_sequence(
    *, patient_id: UUID, visit_id: UUID, content_sha256: str, config: dict[str, Any]
) -> tuple[str, dict[str, Any]] | None:
    """The stored landmark sequence (its hash) and ``subject`` section of a completed analysis of
    the same content on the same visit whose pose options equal ``config``'s, if its blob is stored.

    A re-run on another person reads every person's landmarks from it, so it needs neither the
    video (deleted after analysis unless the practice keeps videos) nor another pose estimation.
    """
    from clinic import blobs
    from clinic.projections.models import AnalysisView

    wanted = analysis_config(config).to_dict()
    rows = AnalysisView.objects.filter(
        patient_id=patient_id, visit_id=visit_id, content_sha256=content_sha256, status="completed"
    ).exclude(sequence_sha256="")
    for row in rows.order_by("requested_at"):
        same_pose = all(analysis_config(row.config).to_dict()[k] == wanted[k] for k in POSE_OPTIONS)
        if same_pose and blobs.exists("sequence", patient_id, row.sequence_sha256):
            section = row.summary.get("subject") if isinstance(row.summary, dict) else None
            return row.sequence_sha256, section if isinstance(section, dict) else {}
    return None


def analysis_state(patient_id: UUID, analysis_id: UUID) -> AnalysisState | None:
    state, _ = load_patient(patient_id)
    return state.analyses.get(analysis_id)


@dataclass(frozen=True)
class StoredSequence:
    """The landmark sequence an uploaded video's pose step stored, recorded with the results."""

    visit_id: UUID
    sequence_sha256: str
    upload_id: UUID
    frames: int
    sampling_rate_hz: float
    model: str


def analysis_complete(
    *,
    patient_id: UUID,
    analysis_id: UUID,
    software_version: str,
    sequence_sha256: str,
    metrics: tuple[MetricValue, ...],
    summary: dict[str, Any],
    withheld: tuple[WithheldValue, ...] = (),
    stored_sequence: StoredSequence | None = None,
    actor: str = "task:analysis",
) -> list[DomainEvent]:
    """Record the results, with the upload's landmark sequence if given, in one append (once: a
    second call appends nothing). Returns the events appended."""
    with execution_context(actor=actor), patient_unit(patient_id) as unit:
        return complete_in(
            unit, analysis_id=analysis_id, software_version=software_version, sequence_sha256=sequence_sha256,
            metrics=metrics, summary=summary, withheld=withheld, stored_sequence=stored_sequence,
        )  # fmt: skip


def complete_in(
    unit: Unit[PatientState], *, analysis_id: UUID, software_version: str, sequence_sha256: str,
    metrics: tuple[MetricValue, ...], summary: dict[str, Any], stored_sequence: StoredSequence | None,
    withheld: tuple[WithheldValue, ...] = (),
) -> list[DomainEvent]:  # fmt: skip
    """Decide the results of an analysis within the caller's unit of work (see analysis_complete)."""
    events: list[DomainEvent] = []
    if stored_sequence is not None:
        s = stored_sequence
        events += unit.decide(
            c.StoreLandmarkSequence(
                visit_id=s.visit_id, sequence_sha256=s.sequence_sha256, source_id=s.upload_id,
                frames=s.frames, sampling_rate_hz=s.sampling_rate_hz, model=s.model,
            ),
            id_seed=s.upload_id,
            label=f"sequence:{s.sequence_sha256}",
        )  # fmt: skip
    events += unit.decide(
        c.CompleteAnalysis(
            analysis_id=analysis_id,
            software_version=software_version,
            sequence_sha256=sequence_sha256,
            metrics=metrics,
            summary=summary,
            withheld=withheld,
        ),
        id_seed=analysis_id,
        label="completed",
    )
    return events


def analysis_fail(
    *, patient_id: UUID, analysis_id: UUID, reason: str, actor: str = "task:analysis"
) -> list[DomainEvent]:
    """Record that the analysis failed for good, with the reason in plain words."""
    with execution_context(actor=actor), patient_unit(patient_id) as unit:
        return unit.decide(
            c.FailAnalysis(analysis_id=analysis_id, reason=reason), id_seed=analysis_id, label="failed"
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
