"""Celery tasks of the offline analysis: thin adapters around :mod:`clinic.analysis_jobs.steps`.

One analysis is a chain (:func:`analysis_workflow`)::

    pose  ->  analyse  ->  record

``pose`` reads the sealed video, estimates poses and stores the landmarks as a ``"sequence"``
blob (a recording starts from its stored sequence instead, and so does a re-run on another person
of an upload whose landmarks are stored: the video may be deleted by then), and stores the stills
of the people it saw as ``"still"`` blobs (the summary's ``subject`` section names them); ``analyse`` reads that sequence once
and computes every section of the summary and its metric values (one typed result, handed on as
JSON), and stores the fitted 3D skeleton as a ``"skeleton"`` blob (``refine_3d.skeleton_sha256``
in the summary; playback shows it); ``record`` appends the results once through the domain's ``CompleteAnalysis`` and removes
the video unless the practice keeps videos. A chain passes each task's return value in the next
task's message, so no result backend is needed and nothing waits on one. Jobs are queued by
:mod:`clinic.dispatch`, from the event log.

Reliability: every task acknowledges late (a worker killed mid-task leaves its message to be
delivered again; ``task_reject_on_worker_lost`` in the settings) and appends nothing until
``record``, whose events have deterministic ids, so a task run twice records its results once.
Database and broker errors are retried with exponential backoff; bad input is not retried: it
appends ``AnalysisFailed`` with the reason in plain words, which the visit page shows.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from importlib import metadata
from pathlib import Path
from typing import Any
from uuid import UUID

from celery import Task, chain, shared_task
from celery.canvas import Signature
from celery.signals import worker_ready
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from clinic import blobs, message_heartbeat
from clinic.access.keys import KeyDestroyed
from clinic.analysis_jobs.config import analysis_config
from clinic.analysis_jobs.steps import BadInput, Posed, analysis_step, pose_step, sequence_step
from clinic.domain.events import MetricValue, WithheldValue
from clinic.eventstore.errors import ConcurrencyConflict
from clinic.services import analysis as service
from clinic.services import uploads

log = logging.getLogger(__name__)


@worker_ready.connect
def _keep_messages_fresh(sender: Any = None, **_: Any) -> None:
    """A worker refreshes its running tasks' broker messages, so a short visibility timeout
    redelivers a killed worker's job quickly without starting a long one twice."""
    conf = sender.app.conf if sender is not None else None
    if conf is None:
        return
    options = conf.broker_transport_options or {}
    message_heartbeat.start(
        broker_url=str(conf.broker_url), visibility_timeout_s=float(options.get("visibility_timeout", 3600))
    )


# Input that will not get better by trying again: recorded as AnalysisFailed at once.
PERMANENT = (BadInput, blobs.BlobMissing, blobs.BlobDamaged, KeyDestroyed)
TRANSIENT = (
    OperationalError,
    InterfaceError,
    ConcurrencyConflict,
    BrokerError,
    ConnectionError,
    TimeoutError,
)
MAX_RETRIES = 6
# Share of the progress bar each stage fills (pose estimation dominates the time).
POSE_SHARE = 85.0


def software_version() -> str:
    """What produced a result: this project and the pose engine (at most 40 characters)."""
    try:
        mediapipe = metadata.version("mediapipe")
    except metadata.PackageNotFoundError:
        mediapipe = "?"
    from clinic.analysis_jobs import VERSION

    return f"clinic-offline {VERSION} mediapipe {mediapipe}"[:40]


def _job_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any] | None:
    first = args[0] if args else kwargs.get("job") or kwargs.get("parts")
    if isinstance(first, dict):
        job: dict[str, Any] = first.get("job", first)
        return job
    if isinstance(first, list) and first and isinstance(first[0], dict):
        return first[0].get("job")
    return None


def failure_reason(exc: BaseException) -> str:
    """The sentence the user reads when an analysis fails for good."""
    if isinstance(exc, BadInput):
        return str(exc)
    if isinstance(exc, blobs.BlobMissing):
        return "The uploaded video is no longer stored, so it cannot be analysed; upload it again."
    if isinstance(exc, KeyDestroyed):
        return "The patient's personal data was erased, so the video can no longer be read."
    if isinstance(exc, (*TRANSIENT, DatabaseError)):
        return (
            "The analysis could not reach the database or the queue after several attempts; "
            "please upload the video again later."
        )
    return f"The analysis stopped on an unexpected error ({type(exc).__name__}); please report it."


class AnalysisTask(Task):  # type: ignore[misc]
    """Late acknowledgement, backoff on transient errors, and a recorded reason on final failure."""

    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = TRANSIENT
    max_retries = MAX_RETRIES
    retry_backoff = 2
    retry_backoff_max = 120
    retry_jitter = True

    def on_failure(
        self, exc: BaseException, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], einfo: Any
    ) -> None:
        job = _job_of(args, kwargs)
        if job is None:
            log.error("analysis task %s failed without a job: %r", self.name, exc)
            return
        if not isinstance(exc, BadInput):
            log.error("analysis %s failed in %s", job["analysis_id"], self.name, exc_info=exc)
        record_failure(job, exc, stage=self.name.rsplit(".", 1)[-1])


def record_failure(job: dict[str, Any], exc: BaseException, *, stage: str) -> None:
    """Append AnalysisFailed with the plain reason, let go of the video, tell the page."""
    reason = failure_reason(exc)
    try:
        service.analysis_fail(
            patient_id=UUID(job["patient_id"]), analysis_id=UUID(job["analysis_id"]), reason=reason
        )
        uploads.discard_video_after_analysis(job)
    finally:
        service.publish_progress(
            visit_id=job["visit_id"],
            analysis_id=job["analysis_id"],
            stage=stage,
            percent=100,
            status="failed",
            message=reason,
        )


def _progress(task: Task, job: dict[str, Any], *, stage: str, percent: float, message: str = "") -> None:
    service.publish_progress(
        visit_id=job["visit_id"],
        analysis_id=job["analysis_id"],
        stage=stage,
        percent=percent,
        status="running",
        message=message,
    )


def _still_requested(job: dict[str, Any]) -> bool:
    state = service.analysis_state(UUID(job["patient_id"]), UUID(job["analysis_id"]))
    return state is not None and state.status == "requested"


@shared_task(bind=True, base=AnalysisTask, name="clinic.analysis.pose")
def pose(self: Task, job: dict[str, Any]) -> dict[str, Any]:
    """Landmarks of an uploaded video, stored as a sequence blob (a recording already has one)."""
    try:
        return _pose(self, job)
    except PERMANENT as exc:
        record_failure(job, exc, stage="pose")
        return {"job": {**job, "skip": True}}


def _pose(self: Task, job: dict[str, Any]) -> dict[str, Any]:
    if not _still_requested(job):
        return {"job": {**job, "skip": True}}
    patient_id = UUID(job["patient_id"])
    config = analysis_config(job["config"])
    if job["source"] == "recording":
        if not blobs.exists("sequence", patient_id, job["content_sha256"]):
            raise BadInput("The recording's landmark sequence is not stored, so it cannot be analysed.")
        posed = sequence_step(blobs.get("sequence", patient_id, job["content_sha256"]), config=config)
        _store_stills(patient_id, posed)
        return {"job": {**job, "sequence_sha256": job["content_sha256"], "subject": posed.subject.section}}
    if config.subject is not None:  # a re-run on another person: the landmarks of everyone are stored
        earlier = service.reusable_sequence(
            patient_id=patient_id, visit_id=UUID(job["visit_id"]), content_sha256=job["content_sha256"],
            config=job["config"],
        )  # fmt: skip
        if earlier is not None:
            sequence_sha256, section = earlier
            posed = sequence_step(
                blobs.get("sequence", patient_id, sequence_sha256), config=config, earlier=section
            )
            _store_stills(patient_id, posed)
            _progress(self, job, stage="pose", percent=POSE_SHARE, message="Stored landmarks reused")
            return {
                "job": {
                    **job, "sequence_sha256": sequence_sha256, "video": posed.video, "subject": posed.subject.section,
                }
            }  # fmt: skip
    _progress(self, job, stage="pose", percent=0, message="Estimating poses")
    last = [0.0]
    max_frames = int(settings.MAX_VIDEO_FRAMES)

    def on_frame(done: int, expected: int) -> None:
        if done > max_frames:  # the header did not state the length, or understated it
            raise BadInput(
                f"The video has more than {max_frames} frames; trim it to the movement to analyse."
            )
        now = time.monotonic()
        if expected and now - last[0] >= 0.5:  # a few messages a second is smooth enough
            last[0] = now
            _progress(self, job, stage="pose", percent=POSE_SHARE * min(done / expected, 1.0))

    # The decoder needs a file: the video is opened chunk by chunk into a private temporary copy.
    with blobs.opened_copy(
        "video", patient_id, job["content_sha256"], folder=Path(settings.FILE_UPLOAD_TEMP_DIR)
    ) as video:
        posed = pose_step(video, config=config, on_frame=on_frame)
    sequence_sha256 = blobs.put("sequence", patient_id, posed.sequence)
    _store_stills(patient_id, posed)
    _progress(self, job, stage="pose", percent=POSE_SHARE, message="Poses estimated")
    return {
        "job": {
            **job,
            "sequence_sha256": sequence_sha256,
            "video": posed.video,
            "subject": posed.subject.section,
        }
    }


def _store_stills(patient_id: UUID, posed: Posed) -> None:
    """The stills, sealed with the patient's key like the landmarks (gone when the key is erased)."""
    for name, data in posed.subject.images.items():
        stored = blobs.put("still", patient_id, data)
        assert stored == name  # the section names each image by the SHA-256 of its bytes


def _sequence_of(job: dict[str, Any]) -> bytes:
    return blobs.get("sequence", UUID(job["patient_id"]), job["sequence_sha256"])


@shared_task(bind=True, base=AnalysisTask, name="clinic.analysis.analyse")
def analyse(self: Task, previous: dict[str, Any]) -> dict[str, Any]:
    """Every section of the summary from the stored sequence (read once)."""
    job = previous["job"]
    if job.get("skip"):
        return {"job": job, "summary": {}, "metrics": [], "withheld": []}
    try:
        analysed = analysis_step(_sequence_of(job), config=analysis_config(job["config"]))
    except PERMANENT as exc:
        record_failure(job, exc, stage="analyse")
        return {"job": {**job, "skip": True}, "summary": {}, "metrics": [], "withheld": []}
    _progress(self, job, stage="analyse", percent=POSE_SHARE + 10, message="Movement analysed")
    # The metrics come from the typed result; the next task gets them as plain JSON.
    metrics = [dataclasses.asdict(m) for m in analysed.metrics]
    withheld = [dataclasses.asdict(w) for w in analysed.withheld]
    summary = analysed.summary
    if analysed.skeleton is not None:
        # The fitted 3D skeleton, sealed with the patient's key like the landmarks it came from.
        sha256 = blobs.put("skeleton", UUID(job["patient_id"]), analysed.skeleton)
        summary = {**summary, "refine_3d": {**summary["refine_3d"], "skeleton_sha256": sha256}}
    return {"job": job, "summary": summary, "metrics": metrics, "withheld": withheld}


@shared_task(bind=True, base=AnalysisTask, name="clinic.analysis.record")
def record(self: Task, analysed: dict[str, Any]) -> dict[str, Any]:
    """Append the results once (CompleteAnalysis), then let go of the video."""
    job = analysed["job"]  # "skip": a step failed for good (AnalysisFailed is recorded)
    patient_id, analysis_id = UUID(job["patient_id"]), UUID(job["analysis_id"])
    appended = 0
    if not job.get("skip"):
        summary = dict(analysed["summary"])
        if "video" in job:
            summary["video"] = job["video"]
        if "subject" in job:
            summary["subject"] = job["subject"]
        summary["config"] = job["config"]
        stored = None
        if job["source"] == "upload" and "video" in job:
            stored = service.StoredSequence(
                visit_id=UUID(job["visit_id"]),
                sequence_sha256=job["sequence_sha256"],
                upload_id=UUID(job["source_id"]),
                frames=job["video"]["frames"],
                sampling_rate_hz=job["video"]["fps"],
                model=job["video"]["model"],
            )
        # The results, the sequence and the video's deletion: one unit of work, one append.
        events, status = uploads.analysis_results_record(
            job,
            software_version=software_version(),
            metrics=tuple(MetricValue(**m) for m in analysed["metrics"]),
            withheld=tuple(WithheldValue(**w) for w in analysed.get("withheld", ())),
            summary=summary,
            stored_sequence=stored,
        )
        appended = len(events)
    else:
        uploads.discard_video_after_analysis(job)
        state = service.analysis_state(patient_id, analysis_id)
        status = state.status if state is not None else "failed"
    service.publish_progress(
        visit_id=job["visit_id"],
        analysis_id=analysis_id,
        stage="record",
        percent=100,
        status=status,
        message="Results recorded" if status == "completed" else "",
    )
    return {"analysis_id": str(analysis_id), "appended": appended, "status": status}


def analysis_workflow(job: dict[str, Any]) -> Signature:
    """The canvas of one analysis (see the module docstring)."""
    workflow: Signature = chain(pose.s(job), analyse.s(), record.s())
    return workflow
