"""Video uploads: check, seal with the patient's key, record, queue the analysis; delete after it.

:func:`video_upload` is what the visit page, the API and resumable uploads (:mod:`clinic.services.
resumable`) call. Nothing is stored and no event is appended until the file passed every check
(:mod:`clinic.analysis_jobs.upload_check`, bounded by :func:`video_limits`); a refused file leaves nothing
behind. The file is never whole in memory: it is copied to ``FILE_UPLOAD_TEMP_DIR`` in 1 MiB pieces
while it is hashed, and sealed chunk by chunk (:func:`clinic.blobs.put_file`). The same video uploaded again to the same visit with the same options is
recognised by its content hash and answered with the existing analysis: it is analysed once.

After the analysis (completed or failed for good) the video is deleted and ``VideoDeleted`` is
appended, unless the practice keeps videos (:func:`practice_set_video_retention`, an event on the
practice stream, off by default). The landmark sequence is kept: the results refer to it.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID, uuid5

from django.conf import settings

from clinic import blobs
from clinic.access.policy import require_admin
from clinic.analysis_jobs.config import analysis_config
from clinic.analysis_jobs.upload_check import UploadRefused, VideoLimits, check_name_and_size, check_video
from clinic.domain import commands as c
from clinic.domain.analyses import existing_analysis
from clinic.domain.events import DomainEvent, MetricValue, WithheldValue
from clinic.domain.patients import PatientState, visit_locked
from clinic.domain.practice import PracticeState
from clinic.domain.practice import decide as decide_practice
from clinic.domain.practice import evolve as evolve_practice
from clinic.domain.roles import Actor, require_clinician
from clinic.eventstore.context import execution_context
from clinic.projections.models import VisitView
from clinic.services import analysis as service
from clinic.services.actors import actor_of
from clinic.services.streams import Unit, execute, load, patient_unit, practice_stream

CHUNK = 1024 * 1024

__all__ = ["UploadRefused", "UploadResult", "practice_set_video_retention", "video_upload"]


class UploadedFileLike(Protocol):
    """What Django's ``UploadedFile`` offers (and what tests and commands can pass)."""

    name: str | None
    size: int | None

    def chunks(self, chunk_size: int | None = None) -> Iterable[bytes]: ...


@dataclass(frozen=True)
class UploadResult:
    analysis_id: UUID
    upload_id: UUID | None  # None: the same video was already analysed or queued for this visit
    duplicate: bool


def practice_retains_video(practice_id: UUID | None) -> bool:
    if practice_id is None:
        return False
    state, _ = load(practice_stream(practice_id), evolve_practice, PracticeState())
    return state.retain_video


def practice_set_video_retention(*, user: Any, retain: bool) -> bool:
    """Keep (True) or delete (False) uploaded videos after analysis, for the admin's practice."""
    staff = require_admin(user)
    state, _ = load(practice_stream(staff.practice_id), evolve_practice, PracticeState())
    if state.retain_video == retain:
        return retain  # already so: nothing to record
    with execution_context(actor=user.username):
        execute(
            practice_stream(staff.practice_id),
            c.SetVideoRetention(retain=retain),
            evolve=evolve_practice,
            initial=PracticeState(),
            decide=decide_practice,
            expected_version=None,
        )
    return retain


def video_limits() -> VideoLimits:
    """The cost limits of one video analysis, from the settings (``MAX_VIDEO_*``)."""
    return VideoLimits(
        max_duration_s=float(settings.MAX_VIDEO_DURATION_S),
        max_sampling_rate_hz=float(settings.MAX_VIDEO_FPS),
        max_frames=int(settings.MAX_VIDEO_FRAMES),
        max_pixels=int(settings.MAX_VIDEO_PIXELS),
    )


def _spool(uploaded: UploadedFileLike, folder: Path, max_bytes: int) -> tuple[Path, str, int]:
    """Write the upload to ``folder`` while hashing it; stop as soon as it passes the limit."""
    path = folder / "upload"
    digest = hashlib.sha256()
    size = 0
    with path.open("wb") as out:
        for chunk in uploaded.chunks(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                break
            digest.update(chunk)
            out.write(chunk)
    return path, digest.hexdigest(), size


def check_can_attach_video(user: Any, patient_id: UUID, visit_id: UUID) -> Actor:
    """The user's actor, if they may upload a video to the visit now, checked before any byte is
    stored: the domain's role rule, and its refusal for a signed visit (read from the visit's read
    model, so the upload still reads the stream once; the decision in the unit of work is final)."""
    actor = require_clinician(actor_of(user), what="upload videos")
    if VisitView.objects.filter(patient_id=patient_id, visit_id=visit_id, signed_at__isnull=False).exists():
        raise visit_locked("a video")
    return actor


def video_upload(
    *,
    user: Any,
    patient_id: UUID,
    visit_id: UUID,
    uploaded: UploadedFileLike,
    config: dict[str, Any] | None = None,
) -> UploadResult:
    """Check the file, store it sealed, append ``VideoUploaded`` + ``AnalysisRequested``, queue.

    Raises NotVisible (404) before anything else, then UploadRefused or ConfigError (one sentence)
    for a bad file or options, or a DomainError (unknown visit, discharged patient).
    """
    from clinic.services.patients import patient_access

    max_bytes = int(settings.MAX_UPLOAD_BYTES)
    name = Path(uploaded.name or "video").name
    canonical = analysis_config(config).to_dict()
    with patient_access(user, patient_id, "video_upload"):
        check_can_attach_video(user, patient_id, visit_id)  # before a large file is read
        check_name_and_size(name, size_bytes=int(uploaded.size or 0), max_bytes=max_bytes)
        temp_root = Path(settings.FILE_UPLOAD_TEMP_DIR)
        temp_root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="clinic-upload-", dir=temp_root))
        try:
            path, sha256, size = _spool(uploaded, folder, max_bytes)
            checked = check_video(
                path, name=name, size_bytes=size, max_bytes=max_bytes, limits=video_limits()
            )
            return _store_and_request(
                patient_id=patient_id,
                visit_id=visit_id,
                path=path,
                sha256=sha256,
                size=size,
                name=name,
                media_type=checked.media_type,
                config=canonical,
                actor=actor_of(user),
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _store_and_request(
    *, patient_id: UUID, visit_id: UUID, path: Path, sha256: str, size: int, name: str, media_type: str,
    config: dict[str, Any], actor: Actor,
) -> UploadResult:  # fmt: skip
    """One unit of work on the patient's stream (loaded once): the duplicate check, the sealed file,
    ``VideoUploaded`` and ``AnalysisRequested`` in one append."""
    existed = blobs.exists("video", patient_id, sha256)
    stored = False
    try:
        with patient_unit(patient_id) as unit:
            found = existing_analysis(unit.state, visit_id=visit_id, content_sha256=sha256, config=config)
            if found is not None:
                return UploadResult(analysis_id=found.analysis_id, upload_id=None, duplicate=True)
            blobs.put_file("video", patient_id, path, sha256=sha256)  # sealed chunk by chunk
            stored = True
            upload_id = uuid5(visit_id, f"upload:{sha256}:{len(unit.state.analyses)}")
            unit.decide(
                c.UploadVideo(
                    visit_id=visit_id,
                    content_sha256=sha256,
                    media_type=media_type,
                    size_bytes=size,
                    original_name=name,
                    upload_id=upload_id,
                    actor=actor,
                ),
                id_seed=upload_id,
                label="uploaded",
            )
            analysis_id = service.request_in(
                unit, patient_id=patient_id, visit_id=visit_id, source="upload", source_id=upload_id,
                content_sha256=sha256, config=config, actor=actor,
            )  # fmt: skip
    except BaseException:
        if stored and not existed:  # nothing refers to the file: leave nothing behind
            blobs.delete("video", patient_id, sha256)
        raise
    return UploadResult(analysis_id=analysis_id, upload_id=upload_id, duplicate=False)


def discard_video_after_analysis(job: dict[str, Any]) -> bool:
    """Delete an uploaded video once its analysis is over, unless the practice keeps videos.

    Kept while another queued analysis of the patient still needs the same file. The file goes
    first, then ``VideoDeleted``: a crash in between is finished by the retried task.
    """
    with execution_context(actor="task:analysis"), patient_unit(UUID(job["patient_id"])) as unit:
        return _discard_in(unit, job)


def analysis_results_record(
    job: dict[str, Any], *, software_version: str, metrics: tuple[MetricValue, ...], summary: dict[str, Any],
    stored_sequence: service.StoredSequence | None, withheld: tuple[WithheldValue, ...] = (),
) -> tuple[list[DomainEvent], str]:  # fmt: skip
    """The end of an analysis in one unit of work on the patient's stream (loaded once): the results
    (with the upload's landmark sequence), then the video let go of. Returns the events appended and
    the analysis's status after them."""
    patient_id, analysis_id = UUID(job["patient_id"]), UUID(job["analysis_id"])
    with execution_context(actor="task:analysis"), patient_unit(patient_id) as unit:
        events = service.complete_in(
            unit, analysis_id=analysis_id, software_version=software_version,
            sequence_sha256=job["sequence_sha256"], metrics=metrics, summary=summary,
            withheld=withheld, stored_sequence=stored_sequence,
        )  # fmt: skip
        _discard_in(unit, job)
        analysis = unit.state.analyses.get(analysis_id)
    return events, analysis.status if analysis is not None else "failed"


def _discard_in(unit: Unit[PatientState], job: dict[str, Any]) -> bool:
    if job.get("source") != "upload":
        return False
    patient_id, sha256 = UUID(job["patient_id"]), job["content_sha256"]
    if practice_retains_video(unit.state.practice_id):
        return False
    still_needed = any(
        a.status == "requested" and a.content_sha256 == sha256 and str(a.analysis_id) != job["analysis_id"]
        for a in unit.state.analyses.values()
    )
    if still_needed:
        return False
    blobs.delete("video", patient_id, sha256)
    upload_id = UUID(job["source_id"])
    unit.decide(
        c.DeleteVideo(upload_id=upload_id, reason="analysis finished; this practice does not keep videos"),
        id_seed=upload_id,
        label="deleted",
    )
    return True
