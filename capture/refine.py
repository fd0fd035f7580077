"""Second passes over a video after tracking: single-person re-estimation and track-start backfill.

Both fix what the first, multi-person pass (MediaPipe with ``num_poses > 1``) does worse than it
has to, without touching the tracker's identity decisions:

1. **Single-person pass.** With more than one pose MediaPipe runs its person detector on every
   frame and crops the landmark model's input to the detector's box. With one pose, in VIDEO mode,
   it detects once and then crops each frame around the previous frame's landmarks (rotated and
   scaled from hips and shoulders), which is how BlazePose was designed to run (Bazarevsky et al.
   2020) and how MediaPipe's published reference output for ``squats_front.mp4`` was made. On that
   clip the two settings differ by 7-13 deg in the right knee angle at the squat bottoms (measured:
   one pose 102.5/98.2/99.2 deg, three poses 109.8/106.2/105.4 deg, reference 103.1/93.6/95.4 deg).
   So when the first pass reports exactly one person and never more than one detection in a frame
   (nobody else in view), the clip is estimated again with one pose and those landmarks replace
   the first pass's in the frames where both agree on where the person is (box overlap at least
   ``min_single_pass_iou``); elsewhere the first pass's estimate (or absence) stays.
2. **Track-start backfill.** MediaPipe's person detector sees the whole frame at 224 x 224 pixels
   and relies on the face, so a small or partly occluded person is often found only some frames
   after entering (on ``walk_side_two_people.mp4`` the walker is fully visible from about frame
   48 but first detected at frame 59). For each reported person, the frames before the first
   detection are searched backwards, up to ``backfill_s`` (by default the tracker's
   re-identification horizon), with the detector and landmark model run on a crop around the
   person's box moved back by the person's fitted velocity (region-of-interest re-detection). The
   search stops at the first frame without an acceptable detection: one that continues the person
   (keypoint similarity and size consistency as in :mod:`capture.tracking`, at least
   ``min_similarity``) and is not another identity's detection in the same frame (the
   tracker's duplicate rules), so identities stay as the tracker made them.

This module holds the passes themselves; :mod:`capture.refine_runner` runs them in a child
process while the first pass is still going, which is where they cost little: the first pass
keeps about one core busy, and the passes use the other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from capture.pose import PersonPose, PoseConfig, PoseEstimator, RunningMode, person_in_frame
from capture.tracking import (
    TrackerConfig,
    box_iou,
    coco_keypoints,
    keypoint_similarity,
    object_scale_px,
    size_consistency,
)

FloatArray = NDArray[np.float64]
EstimatorFactory = Callable[[RunningMode, PoseConfig], PoseEstimator]
"""Makes a pose estimator for a running mode and settings (MediaPipe in production)."""
Observations = dict[int, dict[int, PersonPose]]
"""track id -> frame index -> that person's pose in that frame."""


@dataclass(frozen=True)
class RefineConfig:
    """Settings of the second passes (see the module docstring).

    ``single_person_pass``: re-estimate one-person clips with one pose (False = keep the first pass).
    ``single_pass_after_s``: the single-person pass starts once the first pass has gone this far
    without seeing two people at once (or at its end): a clip that shows one person for its first
    seconds is likely a one-person clip, and one that shows two early needs no such pass.
    ``min_single_pass_iou``: box overlap with the first pass's person needed to accept the second.
    ``backfill_s``: how far before a person's first detection to search (0 = no backfill).
    ``crop_scale``: side of the square search crop as a multiple of the person's larger box side;
    the detector needs the whole body and some context, and a walker moves about a tenth of the
    body height per frame at 30 fps.
    """

    single_person_pass: bool = True
    single_pass_after_s: float = 2.0
    min_single_pass_iou: float = 0.5
    backfill_s: float = 1.0
    crop_scale: float = 1.5

    def __post_init__(self) -> None:
        if not 0.0 < self.min_single_pass_iou <= 1.0:
            raise ValueError(f"min_single_pass_iou must be in (0, 1], got {self.min_single_pass_iou}")
        if self.backfill_s < 0.0 or self.single_pass_after_s < 0.0:
            raise ValueError("backfill_s and single_pass_after_s must be >= 0")
        if self.crop_scale < 1.0:
            raise ValueError(f"crop_scale must be at least 1, got {self.crop_scale}")


def apply_single_person_pass(
    track: dict[int, PersonPose], one_pose: dict[int, PersonPose], *, config: RefineConfig
) -> int:
    """Replace the only person's poses (``track``, updated in place) by the one-pose pass's where
    both agree on where the person is; returns the number of frames replaced."""
    replaced = 0
    for index, pose in one_pose.items():
        first = track.get(index)
        # Only frames the first pass saw are replaced: the start is backfill's job, and a pose
        # where the first pass saw nobody has nothing to be checked against.
        if first is not None and box_iou(first.bbox, pose.bbox) >= config.min_single_pass_iou:
            track[index] = pose
            replaced += 1
    return replaced


@dataclass(frozen=True)
class BackfillJob:
    """One person's track-start search: where the track starts, how it moves, who else is there.

    ``others`` holds the poses other identities have in the frames searched; a detection
    matching one of them is not taken.
    """

    track_id: int
    start_frame: int
    first_pose: PersonPose
    velocity_px_per_frame: FloatArray
    others: Observations


def backfill_job(
    observations: Observations, track_id: int, *, horizon_frames: int, velocity_window_frames: int
) -> BackfillJob:
    """The search for ``track_id`` from the first pass's ``observations`` (frames before the
    track's start must be final, and its first ``velocity_window_frames`` frames known)."""
    poses = observations[track_id]
    start = min(poses)
    searched = range(max(0, start - horizon_frames), start)
    others = {
        tid: {f: other[f] for f in searched if f in other}
        for tid, other in observations.items()
        if tid != track_id
    }
    return BackfillJob(
        track_id=track_id,
        start_frame=start,
        first_pose=poses[start],
        velocity_px_per_frame=_velocity_px_per_frame(poses, window_frames=velocity_window_frames),
        others={tid: found for tid, found in others.items() if found},
    )


def _velocity_px_per_frame(poses: dict[int, PersonPose], *, window_frames: int) -> FloatArray:
    """Least-squares torso-centre velocity over the first ``window_frames`` frames of a track."""
    frames = sorted(poses)
    start = frames[0]
    early = [f for f in frames if f < start + window_frames]
    if len(early) < 2:
        return np.zeros(2)
    t = np.array(early, dtype=np.float64)
    xy = np.array([coco_keypoints(poses[f])[5:7, :2].mean(axis=0) for f in early])  # shoulders
    xy = (xy + np.array([coco_keypoints(poses[f])[11:13, :2].mean(axis=0) for f in early])) / 2.0  # hips
    t -= t.mean()
    velocity: FloatArray = (t @ (xy - xy.mean(axis=0))) / float(t @ t)
    return velocity


def _crop_box(bbox: FloatArray, *, scale: float, width_px: int, height_px: int) -> tuple[int, int, int, int]:
    cx, cy = (bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0
    half = scale * max(float(bbox[2] - bbox[0]), float(bbox[3] - bbox[1]), 1.0) / 2.0
    x0, y0 = max(0, math.floor(cx - half)), max(0, math.floor(cy - half))
    x1, y1 = min(width_px, math.ceil(cx + half)), min(height_px, math.ceil(cy + half))
    return x0, y0, x1, y1


def backfill_track(
    frames_rgb: dict[int, NDArray[np.uint8]],
    job: BackfillJob,
    *,
    estimator: PoseEstimator,
    sampling_rate_hz: float,
    tracker_config: TrackerConfig,
    config: RefineConfig,
) -> dict[int, PersonPose]:
    """Search backwards from ``job``'s first detection (module docstring); returns the poses found
    by frame index. ``frames_rgb`` holds the frames before the start, full size."""
    found_poses: dict[int, PersonPose] = {}
    velocity = job.velocity_px_per_frame
    previous = job.first_pose
    for index in range(job.start_frame - 1, job.start_frame - 1 - len(frames_rgb), -1):
        frame = frames_rgb.get(index)
        if frame is None:
            break
        height_px, width_px = frame.shape[:2]
        box = previous.bbox - np.concatenate([velocity, velocity])
        cx, cy = (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0
        if not (0.0 <= cx <= width_px and 0.0 <= cy <= height_px):
            break
        x0, y0, x1, y1 = _crop_box(box, scale=config.crop_scale, width_px=width_px, height_px=height_px)
        crop = np.ascontiguousarray(frame[y0:y1, x0:x1])
        found = estimator.estimate(crop, timestamp_ms=round(1000.0 * index / sampling_rate_hz))
        if not found:
            break
        person = person_in_frame(found[0], offset_px=(x0, y0), width_px=width_px, height_px=height_px)
        if not _continues(person, previous, velocity, tracker_config) or _is_other_person(
            person, index, job.others, tracker_config
        ):
            break
        found_poses[index] = person
        previous = person
    return found_poses


def _continues(person: PersonPose, previous: PersonPose, velocity: FloatArray, cfg: TrackerConfig) -> bool:
    """Whether ``person`` is ``previous`` one frame earlier, by the tracker's similarity rules."""
    predicted = coco_keypoints(previous).copy()
    predicted[:, :2] -= velocity
    sim = keypoint_similarity(predicted, coco_keypoints(person), scale_px=object_scale_px(previous.bbox))
    sim *= size_consistency(person.height_px, max(previous.height_px, 1.0), tolerance=cfg.size_tolerance)
    return sim >= cfg.min_similarity


def _is_other_person(person: PersonPose, index: int, others: Observations, cfg: TrackerConfig) -> bool:
    for poses in others.values():
        other = poses.get(index)
        if other is None:
            continue
        oks = keypoint_similarity(
            coco_keypoints(person), coco_keypoints(other), scale_px=object_scale_px(other.bbox)
        )
        if oks >= cfg.duplicate_similarity or box_iou(person.bbox, other.bbox) >= cfg.duplicate_iou:
            return True
    return False
