"""Offline video analysis: decode, estimate poses, track identities, pick the subject.

:func:`analyze_file` is the one entry point shared by the ``analyze_video`` command and the
background task; both only shape its :class:`VideoAnalysis` for output. Analysis results (gait,
exercise, ...) are attached later to :attr:`VideoAnalysis.sections` under their own keys.

Time-series conventions: ``F`` = frames decoded, ``P`` = people reported. Landmark arrays are
``(P, F, 33, 4)`` in :mod:`capture.pose` units (image: x_px, y_px, z_px, visibility; world:
x, y, z metres, visibility) and are NaN in every frame where that person was not detected.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from capture.landmarks import NUM_LANDMARKS
from capture.pose import MediaPipeEstimators, MediaPipePoseEstimator, PoseConfig, PoseEstimator
from capture.readahead import ReadAhead
from capture.refine import EstimatorFactory, Observations, RefineConfig
from capture.refine_runner import SecondPasses
from capture.sequence import LandmarkSequence
from capture.still import StillFrames
from capture.stitching import merge_pieces, stitch_tracks
from capture.subject import (
    DEFAULT_SUBJECT_RULE,
    Candidate,
    SubjectRule,
    body_size_px,
    choose_subject,
)
from capture.tracking import PoseTracker, TrackerConfig
from capture.video import VideoInfo, VideoReader

FloatArray = NDArray[np.float64]
ProgressCallback = Callable[[int, int], None]
"""Called after each frame with (frames done, frames expected per the container)."""


@dataclass(frozen=True)
class PersonSummary:
    """One reported identity; frame numbers are 0-based and inclusive."""

    id: int
    first_frame: int
    last_frame: int
    frames_tracked: int
    body_size_px: float


@dataclass
class VideoAnalysis:
    """Everything measured on one video. Array shapes are in the module docstring."""

    video: VideoInfo
    frames: int
    model: str
    people: list[PersonSummary]
    subject: int | None
    subject_rule: str
    image: FloatArray
    world: FloatArray
    presence: FloatArray
    bbox: FloatArray
    pose_config: PoseConfig
    tracker_config: TrackerConfig
    height_m: float | None = None
    sections: dict[str, Any] = field(default_factory=dict)
    refine_config: RefineConfig | None = None
    refinement: dict[str, Any] = field(default_factory=dict)
    """What the second passes did (:mod:`capture.refine`): ``single_person_pass`` (frames replaced,
    or None when not run) and ``backfilled_frames`` per reported person id."""
    still_frames: dict[int, NDArray[np.uint8]] = field(default_factory=dict, repr=False, compare=False)
    """BGR video frames kept for the people's stills, by frame number (:class:`capture.still.StillFrames`)."""

    @property
    def person_ids(self) -> list[int]:
        return [p.id for p in self.people]

    def landmark_sequence(self) -> LandmarkSequence:
        """Every reported person's landmarks as the one sequence type recordings and playback use."""
        return LandmarkSequence(
            image=self.image,
            world=self.world,
            person_ids=tuple(self.person_ids),
            subject=self.subject,
            sampling_rate_hz=self.video.sampling_rate_hz,
            width_px=self.video.width,
            height_px=self.video.height,
            model=self.model,
        )

    @property
    def time_s(self) -> FloatArray:
        """``(F,)`` time of each frame from the container frame rate."""
        times: FloatArray = np.arange(self.frames, dtype=np.float64) / self.video.sampling_rate_hz
        return times

    def _row(self, person_id: int | None) -> int:
        wanted = self.subject if person_id is None else person_id
        if wanted is None:
            raise LookupError("No person was detected in this video.")
        try:
            return self.person_ids.index(wanted)
        except ValueError:
            raise LookupError(f"Person {wanted} is not in this video.") from None

    def image_landmarks(self, person_id: int | None = None) -> FloatArray:
        """``(F, 33, 4)`` pixel landmarks of ``person_id`` (default: the subject), NaN when unseen."""
        series: FloatArray = self.image[self._row(person_id)]
        return series

    def world_landmarks(self, person_id: int | None = None) -> FloatArray:
        """``(F, 33, 4)`` world landmarks in metres of ``person_id`` (default: the subject)."""
        series: FloatArray = self.world[self._row(person_id)]
        return series

    def summary_dict(self) -> dict[str, Any]:
        """JSON-ready description; later analysis sections are merged in under their own keys."""
        info = self.video
        out: dict[str, Any] = {
            "video": {
                "file": info.path.name,
                "fps": info.sampling_rate_hz,
                "frames": self.frames,
                "width": info.width,
                "height": info.height,
                "rotation_deg": info.rotation_deg,
                "codec": info.codec,
                "duration_s": round(self.frames / info.sampling_rate_hz, 4),
            },
            "model": self.model,
            "people": [
                {
                    "id": p.id,
                    "first_frame": p.first_frame,
                    "last_frame": p.last_frame,
                    "frames_tracked": p.frames_tracked,
                    "first_time_s": round(p.first_frame / info.sampling_rate_hz, 4),
                    "last_time_s": round(p.last_frame / info.sampling_rate_hz, 4),
                    "body_size_px": round(p.body_size_px, 1),
                }
                for p in self.people
            ],
            "subject": self.subject,
            "subject_rule": self.subject_rule,
            "height_m": self.height_m,
            "settings": {
                "pose": asdict(self.pose_config),
                "tracker": asdict(self.tracker_config),
                "refine": asdict(self.refine_config) if self.refine_config else None,
            },
            "refinement": self.refinement,
        }
        out.update(self.sections)
        return out


def analyze_file(
    path: str | Path,
    *,
    model: str = "full",
    pose_config: PoseConfig | None = None,
    tracker_config: TrackerConfig | None = None,
    subject: int | None = None,
    subject_rule: SubjectRule = DEFAULT_SUBJECT_RULE,
    height_m: float | None = None,
    on_frame: ProgressCallback | None = None,
    estimator: PoseEstimator | None = None,
    refine: RefineConfig | None = None,
    make_estimator: EstimatorFactory | None = None,
) -> VideoAnalysis:
    """Analyse the video at ``path``.

    ``estimator`` replaces the MediaPipe estimator (tests use recorded poses); otherwise the
    ``model`` variant runs in VIDEO mode. The second passes of :mod:`capture.refine` run beside it
    (:mod:`capture.refine_runner`) with ``refine`` (default :class:`RefineConfig`) and estimators from ``make_estimator``
    (default: MediaPipe ``model``, but none when ``estimator`` is given without a factory). ``subject`` overrides the subject rule with a reported
    person id. Raises :class:`capture.video.VideoError` for unusable files,
    :class:`capture.variants.ModelNotInstalledError` for a missing model and
    :class:`capture.subject.UnknownSubjectError` for a ``subject`` nobody has.
    """
    if height_m is not None and not (0.5 <= height_m <= 2.5):
        raise ValueError(f"height_m must be a body height between 0.5 and 2.5 metres, got {height_m}")
    pose_config = pose_config or PoseConfig()
    tracker_config = tracker_config or TrackerConfig()
    refine = refine or RefineConfig()
    if make_estimator is None and estimator is None:
        make_estimator = MediaPipeEstimators(model)

    with contextlib.ExitStack() as stack:
        reader = stack.enter_context(VideoReader(path))
        info = reader.info
        active: PoseEstimator = estimator or MediaPipePoseEstimator(model, mode="video", config=pose_config)
        if estimator is None:
            stack.callback(active.close)
        passes: SecondPasses | None = None
        if make_estimator is not None and (refine.single_person_pass or refine.backfill_s > 0):
            passes = stack.enter_context(
                SecondPasses(
                    str(path),
                    sampling_rate_hz=info.sampling_rate_hz,
                    frame_count=info.frame_count,
                    width_px=info.width,
                    height_px=info.height,
                    make_estimator=make_estimator,
                    pose_config=pose_config,
                    tracker_config=tracker_config,
                    config=refine,
                )
            )
        tracker = PoseTracker(
            sampling_rate_hz=info.sampling_rate_hz,
            frame_size_px=(info.width, info.height),
            config=tracker_config,
        )
        observations: Observations = {}
        frames = 0
        most_per_frame = 0
        stills = StillFrames()
        decoded = stack.enter_context(ReadAhead((frame, frame.rgb()) for frame in reader))
        for frame, rgb in decoded:
            detected = active.estimate(rgb, timestamp_ms=frame.timestamp_ms)
            identities = tracker.update(detected, frame_index=frame.index)
            for person, track_id in zip(detected, identities, strict=True):
                if track_id is not None:
                    observations.setdefault(track_id, {})[frame.index] = person
                    stills.offer(frame_index=frame.index, bgr=frame.bgr, piece=track_id, image=person.image)
            seen = sum(i is not None for i in identities)
            most_per_frame = max(most_per_frame, seen)
            if passes is not None:
                passes.after_frame(observations, frame_index=frame.index, people_in_frame=seen)
            frames = frame.index + 1
            if on_frame is not None:
                on_frame(frames, info.frame_count)
        # The tracker's pieces of one person are joined with the whole clip known
        # (capture.stitching); pieces too short to be a person are left out afterwards.
        pieces = {t.track_id: observations[t.track_id] for t in tracker.tracks(include_short=True)}
        identity = stitch_tracks(pieces, sampling_rate_hz=info.sampling_rate_hz)
        joined = merge_pieces(pieces, identity)
        # A clip shorter than the tracker's minimum track (a single frame, say) reports whoever
        # is seen throughout it: a fragment is short relative to the clip, not absolutely.
        needed = min(tracker.min_track_frames, frames)
        kept: Observations = {tid: poses for tid, poses in joined.items() if len(poses) >= needed}
        reported = sorted(kept, key=lambda tid: (min(kept[tid]), tid))
        refinement: dict[str, Any] = {"single_person_pass": None, "backfilled_frames": {}}
        if passes is not None:
            done = passes.finish(
                kept, single_person=len(kept) == 1 and most_per_frame <= 1, identity=identity
            )
            refinement = {
                "single_person_pass": done["single_person_pass"],
                "backfilled_frames": {row + 1: done["backfilled"][tid] for row, tid in enumerate(reported)},
            }
    count = len(reported)
    image = np.full((count, frames, NUM_LANDMARKS, 4), np.nan)
    world = np.full((count, frames, NUM_LANDMARKS, 4), np.nan)
    presence = np.full((count, frames, NUM_LANDMARKS), np.nan)
    bbox = np.full((count, frames, 4), np.nan)
    people: list[PersonSummary] = []
    for row, track_id in enumerate(reported):
        poses = kept[track_id]
        for index, person in poses.items():
            image[row, index] = person.image
            world[row, index] = person.world
            presence[row, index] = person.presence
            bbox[row, index] = person.bbox
        people.append(
            PersonSummary(
                id=row + 1,  # reported ids are 1..P in order of first detection
                first_frame=min(poses),
                last_frame=max(poses),
                frames_tracked=len(poses),
                body_size_px=_median_or_zero(body_size_px(image[row])),
            )
        )
    chosen = choose_subject(
        [Candidate(p.id, p.frames_tracked, p.body_size_px) for p in people],
        rule=subject_rule,
        override=subject,
    )
    return VideoAnalysis(
        video=info,
        frames=frames,
        model=active.variant,
        people=people,
        subject=chosen,
        subject_rule="override" if subject is not None else subject_rule,
        image=image,
        world=world,
        presence=presence,
        bbox=bbox,
        pose_config=pose_config,
        tracker_config=tracker_config,
        height_m=height_m,
        refine_config=refine if make_estimator is not None else None,
        refinement=refinement,
        still_frames=stills.frames(),
    )


def _median_or_zero(values: FloatArray) -> float:
    if not np.any(np.isfinite(values)):
        return 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        median = float(np.nanmedian(values))
    return median if math.isfinite(median) else 0.0
