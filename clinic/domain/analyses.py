"""Video, live recordings and their analyses, decided on the patient stream.

* An uploaded video is stored encrypted under its content hash; deleting it (after
  analysis, unless the practice retains video) is an event too.
* Analyses are idempotent by content: asking again for the same content and the same
  configuration on a visit decides nothing, and completing an analysis twice decides
  nothing, so a retried task can never append its results twice.
* Results are one ``AnalysisCompleted`` (every value with its unit, quality, view and
  method, the values withheld and why, the configuration, the software version and the
  landmark-sequence hash). Its values are *preliminary*: none is a measurement until a
  clinician reviews it (:mod:`clinic.domain.reviews`), so a wrong number never moves a goal
  or reaches a document by itself. Stored events from before review (an
  ``AnalysisCompleted`` followed by its ``MeasurementRecorded``) keep their meaning: final.
* A signed visit is locked: no upload, live recording, landmark sequence or analysis request
  attaches to it (the refusal offers an addendum visit or an amendment). An analysis requested
  before signing may still finish: its results (and the upload's landmark sequence) are recorded
  as preliminary, and its values enter the record only through a signed amendment
  (:mod:`clinic.domain.reviews`).
"""

from __future__ import annotations

import re
from uuid import UUID

from analysis.activities import LIVE_ACTIVITIES
from clinic.domain.commands import (
    CompleteAnalysis,
    DeleteVideo,
    FailAnalysis,
    RequestAnalysis,
    StartRecording,
    StopRecording,
    StoreLandmarkSequence,
    UploadVideo,
)
from clinic.domain.errors import InvalidState, InvalidValue, NotFound
from clinic.domain.events import (
    AnalysisCompleted,
    AnalysisFailed,
    AnalysisRequested,
    DomainEvent,
    LandmarkSequenceStored,
    RecordingStarted,
    RecordingStopped,
    VideoDeleted,
    VideoUploaded,
)
from clinic.domain.patients import (
    AnalysisState,
    PatientState,
    config_key,
    require_open,
    require_unsigned,
)

VIDEO_MEDIA_TYPES = frozenset({"video/mp4", "video/webm", "video/quicktime", "video/x-msvideo"})
MODELS = ("lite", "full", "heavy")
EXERCISES = LIVE_ACTIVITIES  # what a live recording may be of
RECORDING_MODES = ("server", "browser")
SOURCES = ("upload", "recording")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _check_sha256(value: str, field: str) -> str:
    if not _SHA256.match(value):
        raise InvalidValue(f"{field} must be a lowercase hex SHA-256", code="invalid_hash", field=field)
    return value


def _visit_open(state: PatientState, visit_id: UUID, *, what: str) -> UUID:
    """The patient id, for an open episode's visit whose note is not signed yet."""
    patient_id = require_open(state)
    require_unsigned(state, visit_id, what=what)
    return patient_id


def decide_upload(command: UploadVideo, state: PatientState) -> list[DomainEvent]:
    patient_id = _visit_open(state, command.visit_id, what="a video")
    if command.media_type not in VIDEO_MEDIA_TYPES:
        raise InvalidValue(
            "the file is not an MP4, WebM, MOV or AVI video", code="unsupported_media", field="media_type"
        )
    if command.size_bytes <= 0:
        raise InvalidValue("the file is empty", code="empty_file")
    return [
        VideoUploaded(
            patient_id=patient_id,
            visit_id=command.visit_id,
            upload_id=command.upload_id,
            content_sha256=_check_sha256(command.content_sha256, "content_sha256"),
            media_type=command.media_type,
            size_bytes=command.size_bytes,
            original_name=command.original_name[:200],
        )
    ]


def decide_delete_video(command: DeleteVideo, state: PatientState) -> list[DomainEvent]:
    if state.patient_id is None:
        raise InvalidState("no such patient", code="patient_missing")
    if command.upload_id not in state.uploads:
        return []  # already deleted: deleting is idempotent
    return [VideoDeleted(patient_id=state.patient_id, upload_id=command.upload_id, reason=command.reason)]


def decide_start_recording(command: StartRecording, state: PatientState) -> list[DomainEvent]:
    patient_id = _visit_open(state, command.visit_id, what="a live recording")
    if command.exercise not in EXERCISES:
        raise InvalidValue(
            f"exercise must be one of {', '.join(EXERCISES)}", code="invalid_exercise", field="exercise"
        )
    if command.model not in MODELS:
        raise InvalidValue("model must be lite, full or heavy", code="invalid_model", field="model")
    if command.mode not in RECORDING_MODES:
        raise InvalidValue("mode must be server or browser", code="invalid_mode", field="mode")
    if command.recording_id in state.recordings:
        raise InvalidState("this recording already exists", code="recording_exists")
    return [
        RecordingStarted(
            patient_id=patient_id,
            visit_id=command.visit_id,
            recording_id=command.recording_id,
            exercise=command.exercise,
            model=command.model,
            mode=command.mode,
            started_at=command.now,
        )
    ]


def decide_stop_recording(command: StopRecording, state: PatientState) -> list[DomainEvent]:
    recording = state.recordings.get(command.recording_id)
    if recording is None or state.patient_id is None:
        raise NotFound("no such recording for this patient", field="recording_id")
    if recording.stopped:
        raise InvalidState("the recording is already stopped", code="recording_stopped")
    if command.frames <= 0 or command.duration_s <= 0 or command.sampling_rate_hz <= 0:
        raise InvalidValue("a recording needs at least one frame", code="empty_recording")
    return [
        RecordingStopped(
            patient_id=state.patient_id,
            visit_id=recording.visit_id,
            recording_id=recording.recording_id,
            stopped_at=command.now,
            frames=command.frames,
            duration_s=command.duration_s,
        ),
        LandmarkSequenceStored(
            patient_id=state.patient_id,
            visit_id=recording.visit_id,
            sequence_sha256=_check_sha256(command.sequence_sha256, "sequence_sha256"),
            source="recording",
            source_id=recording.recording_id,
            frames=command.frames,
            fps=command.sampling_rate_hz,
            model=recording.model,
        ),
    ]


def decide_store_sequence(command: StoreLandmarkSequence, state: PatientState) -> list[DomainEvent]:
    """An uploaded video's landmarks, stored once per visit (a retried task decides nothing)."""
    if state.patient_id is None or command.visit_id not in state.visits:
        raise NotFound("no such visit for this patient", field="visit_id")
    sha256 = _check_sha256(command.sequence_sha256, "sequence_sha256")
    if (command.visit_id, sha256) in state.sequences:
        return []
    in_flight = any(
        a.source_id == command.source_id and a.status == "requested" for a in state.analyses.values()
    )
    if not in_flight:  # the landmarks of an analysis requested before signing are its results
        require_unsigned(state, command.visit_id, what="a landmark sequence")
    if command.frames <= 0 or command.sampling_rate_hz <= 0:
        raise InvalidValue("a landmark sequence needs at least one frame", code="empty_sequence")
    return [
        LandmarkSequenceStored(
            patient_id=state.patient_id,
            visit_id=command.visit_id,
            sequence_sha256=sha256,
            source="upload",
            source_id=command.source_id,
            frames=command.frames,
            fps=command.sampling_rate_hz,
            model=command.model,
        )
    ]


def existing_analysis(
    state: PatientState, *, visit_id: UUID, content_sha256: str, config: dict[str, object]
) -> AnalysisState | None:
    """A requested or completed analysis of the same content with the same configuration."""
    key = config_key(config)
    for analysis in state.analyses.values():
        same = (analysis.visit_id, analysis.content_sha256, analysis.config_key) == (
            visit_id,
            content_sha256,
            key,
        )
        if same and analysis.status != "failed":
            return analysis
    return None


def decide_request_analysis(command: RequestAnalysis, state: PatientState) -> list[DomainEvent]:
    if command.source not in SOURCES:
        raise InvalidValue("source must be upload or recording", code="invalid_source", field="source")
    _check_sha256(command.content_sha256, "content_sha256")
    if (
        existing_analysis(
            state, visit_id=command.visit_id, content_sha256=command.content_sha256, config=command.config
        )
        is not None
    ):
        return []
    patient_id = _visit_open(state, command.visit_id, what="an analysis")
    return [
        AnalysisRequested(
            patient_id=patient_id,
            visit_id=command.visit_id,
            analysis_id=command.analysis_id,
            source=command.source,
            source_id=command.source_id,
            content_sha256=command.content_sha256,
            config=command.config,
        )
    ]


def _requested(state: PatientState, analysis_id: UUID) -> AnalysisState:
    analysis = state.analyses.get(analysis_id)
    if analysis is None:
        raise NotFound("no such analysis for this patient", field="analysis_id")
    return analysis


def decide_complete_analysis(command: CompleteAnalysis, state: PatientState) -> list[DomainEvent]:
    analysis = _requested(state, command.analysis_id)
    if analysis.status == "completed" or state.patient_id is None:
        return []  # a retried task: the results are already recorded
    return [
        AnalysisCompleted(
            patient_id=state.patient_id,
            visit_id=analysis.visit_id,
            analysis_id=analysis.analysis_id,
            content_sha256=analysis.content_sha256,
            software_version=command.software_version,
            config=_config_of(state, analysis),
            sequence_sha256=_check_sha256(command.sequence_sha256, "sequence_sha256"),
            metrics=command.metrics,
            summary=command.summary,
            withheld=command.withheld,
        )
    ]


def _config_of(state: PatientState, analysis: AnalysisState) -> dict[str, object]:
    import json

    config: dict[str, object] = json.loads(analysis.config_key)
    return config


def decide_fail_analysis(command: FailAnalysis, state: PatientState) -> list[DomainEvent]:
    analysis = _requested(state, command.analysis_id)
    if analysis.status != "requested" or state.patient_id is None:
        return []
    return [
        AnalysisFailed(
            patient_id=state.patient_id,
            visit_id=analysis.visit_id,
            analysis_id=analysis.analysis_id,
            reason=command.reason.strip() or "unknown error",
        )
    ]
