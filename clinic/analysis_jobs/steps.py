"""The steps of an offline analysis as pure functions (file or bytes in, typed and JSON-ready results out).

Each Celery task in :mod:`clinic.tasks` calls exactly one of these; they know nothing of the
database, the queue or the blob store, so the command line, the tasks and the tests share them.

* :func:`pose_step`: video file -> landmark sequence bytes (:mod:`capture.sequence`), the video
  summary and the ``subject`` section with its stills (:mod:`.subject`);
* :func:`sequence_step`: a stored sequence (a live recording, or a re-run on another person of an
  upload whose landmarks are stored) -> the same video summary and ``subject`` section;
* :func:`analysis_step`: sequence -> every section of the summary from one reading of it: the
  ``gait``, ``exercise`` and ``balance`` sections with the angles
  (:func:`analysis.report.video_sections`, once, which also detects the activity in ``auto``
  mode), the REBA summary (Hignett & McAtamney 2000) and the constant-bone-length skeleton fit
  with the values only 3D gives (:mod:`analysis.skeleton3d`), as one typed
  :class:`analysis.results.VideoResult`, its JSON and its metric values, and the fitted skeleton
  as landmark sequence bytes (:func:`skeleton_sequence`), which the task stores sealed like the
  landmarks.

A step that cannot use its input raises :class:`BadInput` (one sentence, never retried).
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.ergonomics import reba_scores, reba_summary
from analysis.measurements import Assessor
from analysis.refine3d import refine_skeleton
from analysis.report import video_sections
from analysis.results import Ergonomics, SkeletonFit, VideoResult
from analysis.skeleton3d import skeleton_measures, skeleton_values
from analysis.types import FloatArray, InputError, Trajectories
from capture.people import describe_people
from capture.pipeline import ProgressCallback, VideoAnalysis, analyze_file
from capture.pose import PoseConfig
from capture.sequence import LandmarkSequence, SequenceError, decode_sequence, encode_sequence
from capture.still import Image, frames_at
from capture.subject import UnknownSubjectError
from capture.video import VideoError
from clinic.analysis_jobs.config import AnalysisConfig
from clinic.analysis_jobs.metrics import metric_values, withheld_values
from clinic.analysis_jobs.subject import SubjectSection, subject_section
from clinic.domain.events import MetricValue, WithheldValue


class BadInput(Exception):
    """The input cannot be analysed (not a retryable failure); ``str(error)`` is for the user."""


@dataclass(frozen=True)
class Posed:
    """What the pose step hands on: the landmark sequence's bytes, the video summary and the
    ``subject`` section with the still images it names."""

    sequence: bytes
    video: dict[str, Any]
    subject: SubjectSection


def pose_step(
    video: bytes | Path, *, config: AnalysisConfig, on_frame: ProgressCallback | None = None
) -> Posed:
    """Pose, tracking and subject choice (``config.subject`` when the clinician chose the person)
    on a video, and the stills of its people from the video's frames.

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
            subject=config.subject,
        )
        return posed_from(result, config=config, video=video)
    except VideoError as exc:
        raise BadInput(str(exc).replace("The video file video ", "The video ")) from exc
    except UnknownSubjectError as exc:
        raise BadInput(str(exc)) from exc


def posed_from(result: VideoAnalysis, *, config: AnalysisConfig, video: Path) -> Posed:
    """What :func:`pose_step` hands on, from the pose library's result on ``video`` (read again
    only for stills' frames the pose pass did not keep). Raises :class:`capture.video.VideoError` for a video that
    cannot be decoded again and :class:`capture.subject.UnknownSubjectError` for a bad subject."""
    sequence = result.landmark_sequence()
    section = _section(sequence, config=config, video=video, kept=result.still_frames)
    return Posed(sequence=encode_sequence(sequence), video=video_summary(sequence), subject=section)


def sequence_step(data: bytes, *, config: AnalysisConfig, earlier: dict[str, Any] | None = None) -> Posed:
    """The video summary and ``subject`` section of a stored sequence, without its video: stills
    come from ``earlier`` (the section of an earlier analysis of this sequence) or are drawn on a
    blank canvas."""
    try:
        sequence = decode_sequence(data)
        section = subject_section(sequence, subject=config.subject, frames=None, earlier=earlier)
    except (SequenceError, UnknownSubjectError) as exc:
        raise BadInput(str(exc)) from exc
    return Posed(sequence=data, video=video_summary(_chosen(sequence, config)), subject=section)


def _section(
    sequence: LandmarkSequence, *, config: AnalysisConfig, video: Path, kept: dict[int, Image]
) -> SubjectSection:
    people, _ = describe_people(sequence, override=config.subject)
    wanted = [p.good_frame for p in people]
    frames = {i: kept[i] for i in wanted if i in kept}
    # Frames the pose pass did not keep: one more decode, up to the last of them.
    frames.update(frames_at(video, [i for i in wanted if i not in frames]))
    return subject_section(sequence, subject=config.subject, frames=frames)


def video_summary(sequence: LandmarkSequence) -> dict[str, Any]:
    """The ``video`` section of the summary (``subject``: the analysed person's id)."""
    return {
        "frames": sequence.frames,
        "fps": sequence.sampling_rate_hz,
        "width_px": sequence.width_px,
        "height_px": sequence.height_px,
        "people": len(sequence.person_ids),
        "subject": sequence.subject,
        "model": sequence.model,
    }


def _chosen(sequence: LandmarkSequence, config: AnalysisConfig) -> LandmarkSequence:
    """``sequence`` with the subject the configuration names (a re-run on another person)."""
    if config.subject is None:
        return sequence
    if config.subject not in sequence.person_ids:
        found = ", ".join(map(str, sequence.person_ids)) or "none"
        raise BadInput(f"Person {config.subject} is not in this video (people found: {found}).")
    return dataclasses.replace(sequence, subject=config.subject)


def _sequence(data: bytes, *, config: AnalysisConfig) -> LandmarkSequence:
    try:
        sequence = _chosen(decode_sequence(data), config)
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
    skeleton: bytes | None = None


def analysis_step(data: bytes, *, config: AnalysisConfig) -> Analysed:
    """Every section of one landmark sequence, computed once: ``gait``, ``exercise``, ``balance``,
    ``angles`` and ``analysis`` (:func:`analysis.report.video_sections`), ``reba`` (and its
    ``reason`` when no frame could be scored) and ``refine_3d``, typed, as JSON and as metrics,
    with the fitted 3D skeleton's bytes (None when there is no fit)."""
    sequence = _sequence(data, config=config)
    result = _video_result(sequence, config=config)
    return Analysed(
        result=result,
        summary=result.to_json(),
        metrics=metric_values(result),
        withheld=withheld_values(result),
        skeleton=skeleton_sequence(sequence, result.skeleton_fit),
    )


def video_result(data: bytes, *, config: AnalysisConfig) -> VideoResult:
    """The typed result of one landmark sequence (see :func:`analysis_step`)."""
    return _video_result(_sequence(data, config=config), config=config)


def _video_result(sequence: LandmarkSequence, *, config: AnalysisConfig) -> VideoResult:
    try:
        sections = video_sections(
            sequence.subject_image(),
            sampling_rate_hz=sequence.sampling_rate_hz,
            height_m=config.height_m,
            exercise=config.activity,  # type: ignore[arg-type]  # checked by analysis_config
            test_start_s=config.test_start_s,
            # The stored landmarks are in pixels already: no image_size_px (it would scale x by the
            # width and y by the height a second time and bend every angle of a non-square frame).
        )
    except InputError as exc:
        raise BadInput(str(exc)) from exc
    assessor = sections.assessment.assessor if sections.assessment is not None else None
    return VideoResult(
        sections=sections,
        ergonomics=_ergonomics(sequence),
        skeleton_fit=_refine3d(sequence, config=config, assessor=assessor),
    )


def skeleton_world(sequence: LandmarkSequence, fit: SkeletonFit) -> FloatArray | None:
    """The fitted skeleton as ``(frames, 33, 4)`` world landmarks: the fitted x, y, z (metres,
    MediaPipe's camera-aligned axes) with the world landmarks' visibility, so a joint the model
    did not see stays marked unseen rather than shown where the fit interpolated it."""
    if fit.fit is None:
        return None
    world = sequence.subject_world().copy()
    world[..., :3] = fit.fit.world
    return world


def skeleton_sequence(sequence: LandmarkSequence, fit: SkeletonFit) -> bytes | None:
    """The fitted skeleton of the subject as landmark sequence bytes (:mod:`capture.sequence`,
    one person: the subject's image landmarks and the fitted world landmarks), None without a fit."""
    world = skeleton_world(sequence, fit)
    if world is None:
        return None
    subject = sequence.subject
    assert subject is not None  # a fit exists only for a subject
    return encode_sequence(
        LandmarkSequence(
            image=sequence.subject_image()[None],
            world=world[None],
            person_ids=(subject,),
            subject=subject,
            sampling_rate_hz=sequence.sampling_rate_hz,
            width_px=sequence.width_px,
            height_px=sequence.height_px,
            model=sequence.model,
        )
    )


def _ergonomics(sequence: LandmarkSequence) -> Ergonomics:
    """REBA summary of the subject (None, with the reason, when no frame could be scored)."""
    try:
        traj = Trajectories.from_landmarks(
            sequence.subject_image(),
            sampling_rate_hz=sequence.sampling_rate_hz,
        )
        summary = reba_summary(reba_scores(traj), sampling_rate_hz=sequence.sampling_rate_hz)
    except InputError as exc:
        return Ergonomics(summary=None, reason=str(exc))
    return Ergonomics(summary=summary)


def _refine3d(
    sequence: LandmarkSequence, *, config: AnalysisConfig, assessor: Assessor | None
) -> SkeletonFit:
    """The constant-bone-length fit of the subject, when requested and possible, with the values
    it gives judged by the sections' ``assessor`` (none without one)."""
    if not config.refine_3d:
        return SkeletonFit(fit=None, reason="not requested")
    try:
        fit = SkeletonFit(fit=refine_skeleton(sequence.subject_world(), sequence.subject_image()))
    except InputError as exc:
        return SkeletonFit(fit=None, reason=str(exc))
    world = skeleton_world(sequence, fit)
    if assessor is None or world is None:
        return fit
    measures = skeleton_measures(world, sampling_rate_hz=sequence.sampling_rate_hz)
    return dataclasses.replace(fit, values=tuple(skeleton_values(measures, assessor)))
