"""Live recordings: start one on a visit, stop it with its landmark sequence, queue its analysis.

The landmarks (never the video frames) are stored as a ``"sequence"`` blob in the format of
:mod:`capture.sequence`: compressed ``.npz``, named by its SHA-256, sealed with the
patient's key. Stopping appends ``RecordingStopped`` and ``LandmarkSequenceStored`` and requests
the offline analysis of the sequence in the same transaction, so either all of it is recorded or
none of it (a blob that no event refers to is removed again).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.utils import timezone

from analysis.stop_rules import stop_rule
from capture.sequence import LandmarkSequence, encode_sequence
from clinic import blobs
from clinic.analysis_jobs.config import analysis_config
from clinic.domain import commands as c
from clinic.services.actors import actor_of
from clinic.services.analysis import request_in
from clinic.services.patients import Written, patient_access, run_patient_command
from clinic.services.streams import patient_unit


@dataclass(frozen=True)
class StoppedRecording:
    recording_id: UUID
    sequence_sha256: str
    analysis_id: UUID
    version: int


def recording_start(
    *, user: Any, patient_id: UUID, visit_id: UUID, exercise: str, model: str, mode: str
) -> Written:
    """Append ``RecordingStarted``; the page's pose model and mode ("server" or "browser") are kept."""
    command = c.StartRecording(
        visit_id=visit_id, exercise=exercise, model=model, mode=mode, now=timezone.now()
    )
    result = run_patient_command(user, patient_id, command, action="recording_start", expected_version=None)
    return Written(command.recording_id, result.last_version)


def recording_stop(
    *,
    user: Any,
    patient_id: UUID,
    recording_id: UUID,
    exercise: str,
    sequence: LandmarkSequence,
    duration_s: float,
) -> StoppedRecording:
    """Store the sequence, append the stop events and request the analysis (activity = exercise).

    ``duration_s`` is the recording's own length (first to last frame received), which the
    resampled sequence does not carry (:class:`capture.live.ResampledRecording`).
    """
    data = encode_sequence(sequence)
    sha256 = blobs.sha256_of(data)
    existed = blobs.exists("sequence", patient_id, sha256)
    blobs.put("sequence", patient_id, data)
    frames = sequence.frames
    try:
        with patient_access(user, patient_id, "recording_stop"), patient_unit(patient_id) as unit:
            unit.decide(
                c.StopRecording(
                    recording_id=recording_id,
                    now=timezone.now(),
                    frames=frames,
                    duration_s=float(duration_s),
                    sequence_sha256=sha256,
                    sampling_rate_hz=float(sequence.sampling_rate_hz),
                )
            )
            analysis_id = request_in(
                unit,
                patient_id=patient_id,
                visit_id=unit.state.recordings[recording_id].visit_id,
                source="recording",
                source_id=recording_id,
                content_sha256=sha256,
                # A standard test run live is recorded from its "go" (analysis.stop_rules).
                config=analysis_config(
                    {
                        "model": sequence.model,
                        "activity": exercise,
                        "test_start_s": 0.0 if stop_rule(exercise) else None,
                    }
                ).to_dict(),
                actor=actor_of(user),
            )
    except BaseException:
        if not existed:
            blobs.delete("sequence", patient_id, sha256)
        raise
    return StoppedRecording(recording_id, sha256, analysis_id, unit.version)
