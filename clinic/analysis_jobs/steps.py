"""The steps of an offline analysis as pure functions (file or bytes in, JSON-ready dicts out).

Each Celery task in :mod:`clinic.tasks` calls exactly one of these; they know nothing of the
database, the queue or the blob store, so the command line, the tasks and the tests share them.

* :func:`pose_step`: video file -> landmark sequence bytes (:mod:`capture.sequence`);
* :func:`analysis_step`: sequence -> every section of the summary from one reading of it: the
  ``gait``, ``exercise`` and ``balance`` sections with the angles
  (:func:`analysis.report.video_sections`, once, which also detects the activity in ``auto``
  mode), the REBA summary (Hignett & McAtamney 2000) and the constant-bone-length skeleton fit.

A step that cannot use its input raises :class:`BadInput` (one sentence, never retried).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from analysis.ergonomics import reba_scores, reba_summary
from analysis.refine3d import refine_skeleton
from analysis.report import video_sections
from analysis.serialize import to_jsonable
from analysis.types import InputError, Trajectories
from capture.pipeline import ProgressCallback, analyze_file
from capture.pose import PoseConfig
from capture.sequence import LandmarkSequence, SequenceError, decode_sequence, encode_sequence
from capture.video import VideoError
from clinic.analysis_jobs.config import AnalysisConfig

SECTIONS = ("gait", "exercise", "balance")


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


def analysis_step(data: bytes, *, config: AnalysisConfig) -> dict[str, Any]:
    """The summary's sections of one landmark sequence: ``gait``, ``exercise``, ``balance``,
    ``angles`` and ``analysis`` (:func:`analysis.report.video_sections`, computed once), ``reba``
    (and its ``reason`` when no frame could be scored) and ``refine_3d``."""
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
    summary = {key: sections[key] for key in (*SECTIONS, "angles", "analysis")}
    summary.update(_ergonomics(sequence))
    summary["refine_3d"] = _refine3d(sequence, config=config)
    return summary


def _ergonomics(sequence: LandmarkSequence) -> dict[str, Any]:
    """REBA summary of the subject (``reba`` None, with the reason, when no frame could be scored)."""
    try:
        traj = Trajectories.from_landmarks(
            sequence.subject_image(),
            sampling_rate_hz=sequence.sampling_rate_hz,
            image_size_px=(sequence.width_px, sequence.height_px),
        )
        summary = reba_summary(reba_scores(traj), sampling_rate_hz=sequence.sampling_rate_hz)
    except InputError as exc:
        return {"reba": None, "reason": str(exc)}
    return {"reba": to_jsonable(summary)}


def _refine3d(sequence: LandmarkSequence, *, config: AnalysisConfig) -> dict[str, Any]:
    """Bone lengths and how much steadier they are after the fit (the skeleton itself is not kept)."""
    if not config.refine_3d:
        return {"refined": False, "reason": "not requested"}
    try:
        fit = refine_skeleton(sequence.subject_world(), sequence.subject_image())
    except InputError as exc:
        return {"refined": False, "reason": str(exc)}
    return {
        "refined": True,
        "bone_lengths_m": to_jsonable(fit.bone_lengths_m),
        "bone_cv_before_pct": to_jsonable(fit.bone_cv_before_pct),
        "bone_cv_after_pct": to_jsonable(fit.bone_cv_after_pct),
        "reprojection_px_before": to_jsonable(fit.reprojection_px_before),
        "reprojection_px_after": to_jsonable(fit.reprojection_px_after),
    }
