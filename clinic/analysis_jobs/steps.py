"""The steps of an offline analysis as pure functions (file or bytes in, typed and JSON-ready results out).

Each Celery task in :mod:`clinic.tasks` calls exactly one of these; they know nothing of the
database, the queue or the blob store, so the command line, the tasks and the tests share them.

* :func:`pose_step`: video file -> landmark sequence bytes (:mod:`capture.sequence`);
* :func:`analysis_step`: sequence -> every section of the summary from one reading of it: the
  ``gait``, ``exercise`` and ``balance`` sections with the angles
  (:func:`analysis.report.video_sections`, once, which also detects the activity in ``auto``
  mode), the REBA summary (Hignett & McAtamney 2000) and the constant-bone-length skeleton fit,
  as one typed :class:`analysis.results.VideoResult`, its JSON and its metric values.

A step that cannot use its input raises :class:`BadInput` (one sentence, never retried).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.ergonomics import reba_scores, reba_summary
from analysis.refine3d import refine_skeleton
from analysis.report import video_sections
from analysis.results import Ergonomics, SkeletonFit, VideoResult
from analysis.types import InputError, Trajectories
from capture.pipeline import ProgressCallback, analyze_file
from capture.pose import PoseConfig
from capture.sequence import LandmarkSequence, SequenceError, decode_sequence, encode_sequence
from capture.video import VideoError
from clinic.analysis_jobs.config import AnalysisConfig
from clinic.analysis_jobs.metrics import metric_values, withheld_values
from clinic.domain.events import MetricValue, WithheldValue


class BadInput(Exception):
    """The input cannot be analysed (not a retryable failure); ``str(error)`` is for the user."""


def pose_step(
    video: bytes | Path, *, config: AnalysisConfig, on_frame: ProgressCallback | None = None
) -> tuple[bytes, dict[str, Any]]:
    """Pose, tracking and subject choice on a video; returns (sequence bytes, video summary).

    ``video`` is the file's bytes (written to a private temporary file, since the decoder reads
    files) or a path.
    """
    if isinstance(video, bytes):
        with tempfile.TemporaryDirectory(prefix="clinic-pose-") as folder:
            path = Path(folder) / "video"
            path.write_bytes(video)
            return pose_step(path, config=config, on_frame=on_frame)
    try:
        result = analyze_file(
            video,
            model=config.model,
            pose_config=PoseConfig(num_poses=config.max_people),
            height_m=config.height_m,
            on_frame=on_frame,
        )
    except VideoError as exc:
        raise BadInput(str(exc).replace("The video file video ", "The video ")) from exc
    data = encode_sequence(result.landmark_sequence())
    summary = {
        "frames": result.frames,
        "fps": result.video.sampling_rate_hz,
        "width_px": result.video.width,
        "height_px": result.video.height,
        "people": len(result.people),
        "subject": result.subject,
        "model": result.model,
    }
    return data, summary


def _sequence(data: bytes) -> LandmarkSequence:
    try:
        sequence = decode_sequence(data)
        sequence.subject_image()  # a sequence with nobody in it has nothing to analyse
    except SequenceError as exc:
        raise BadInput(str(exc)) from exc
    return sequence


@dataclass(frozen=True)
class Analysed:
    """What :func:`analysis_step` hands on: the typed result, its JSON (the stored summary's
    sections) and the metric values read from the typed result."""

    result: VideoResult
    summary: dict[str, Any]
    metrics: tuple[MetricValue, ...]
    withheld: tuple[WithheldValue, ...] = ()


def analysis_step(data: bytes, *, config: AnalysisConfig) -> Analysed:
    """Every section of one landmark sequence, computed once: ``gait``, ``exercise``, ``balance``,
    ``angles`` and ``analysis`` (:func:`analysis.report.video_sections`), ``reba`` (and its
    ``reason`` when no frame could be scored) and ``refine_3d``, typed, as JSON and as metrics."""
    result = video_result(data, config=config)
    return Analysed(
        result=result,
        summary=result.to_json(),
        metrics=metric_values(result),
        withheld=withheld_values(result),
    )


def video_result(data: bytes, *, config: AnalysisConfig) -> VideoResult:
    """The typed result of one landmark sequence (see :func:`analysis_step`)."""
    sequence = _sequence(data)
    try:
        sections = video_sections(
            sequence.subject_image(),
            sampling_rate_hz=sequence.sampling_rate_hz,
            height_m=config.height_m,
            exercise=config.activity,  # type: ignore[arg-type]  # checked by analysis_config
            image_size_px=(sequence.width_px, sequence.height_px),
        )
    except InputError as exc:
        raise BadInput(str(exc)) from exc
    return VideoResult(
        sections=sections,
        ergonomics=_ergonomics(sequence),
        skeleton_fit=_refine3d(sequence, config=config),
    )


def _ergonomics(sequence: LandmarkSequence) -> Ergonomics:
    """REBA summary of the subject (None, with the reason, when no frame could be scored)."""
    try:
        traj = Trajectories.from_landmarks(
            sequence.subject_image(),
            sampling_rate_hz=sequence.sampling_rate_hz,
            image_size_px=(sequence.width_px, sequence.height_px),
        )
        summary = reba_summary(reba_scores(traj), sampling_rate_hz=sequence.sampling_rate_hz)
    except InputError as exc:
        return Ergonomics(summary=None, reason=str(exc))
    return Ergonomics(summary=summary)


def _refine3d(sequence: LandmarkSequence, *, config: AnalysisConfig) -> SkeletonFit:
    """The constant-bone-length fit of the subject, when requested and possible."""
    if not config.refine_3d:
        return SkeletonFit(fit=None, reason="not requested")
    try:
        return SkeletonFit(fit=refine_skeleton(sequence.subject_world(), sequence.subject_image()))
    except InputError as exc:
        return SkeletonFit(fit=None, reason=str(exc))
