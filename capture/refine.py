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
   ``min_similarity``) and is not another reported person's detection in the same frame (the
   tracker's duplicate rules), so identities stay as the tracker made them.
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
from capture.video import VideoReader

FloatArray = NDArray[np.float64]
EstimatorFactory = Callable[[RunningMode, PoseConfig], PoseEstimator]
"""Makes a pose estimator for a running mode and settings (MediaPipe in production)."""
Observations = dict[int, dict[int, PersonPose]]
"""track id -> frame index -> that person's pose in that frame."""


@dataclass(frozen=True)
class RefineConfig:
    """Settings of the second passes (see the module docstring).

    ``single_person_pass``: re-estimate one-person clips with one pose (False = keep the first pass).
    ``min_single_pass_iou``: box overlap with the first pass's person needed to accept the second.
    ``backfill_s``: how far before a person's first detection to search (0 = no backfill).
    ``crop_scale``: side of the square search crop as a multiple of the person's larger box side;
    the detector needs the whole body and some context, and a walker moves about a tenth of the
    body height per frame at 30 fps.
    """

    single_person_pass: bool = True
    min_single_pass_iou: float = 0.5
    backfill_s: float = 1.0
    crop_scale: float = 1.5

    def __post_init__(self) -> None:
        if not 0.0 < self.min_single_pass_iou <= 1.0:
            raise ValueError(f"min_single_pass_iou must be in (0, 1], got {self.min_single_pass_iou}")
        if self.backfill_s < 0.0:
            raise ValueError(f"backfill_s must be >= 0, got {self.backfill_s}")
        if self.crop_scale < 1.0:
            raise ValueError(f"crop_scale must be at least 1, got {self.crop_scale}")


def single_person_pass(
    path: str,
    observations: Observations,
    *,
    make_estimator: EstimatorFactory,
    pose_config: PoseConfig,
    config: RefineConfig,
) -> int:
    """Replace the only person's poses by a one-pose VIDEO-mode pass; returns frames replaced.

    ``observations`` must hold exactly one track; it is updated in place.
    """
    (track,) = observations.values()
    replaced = 0
    single = PoseConfig(
        num_poses=1,
        min_pose_detection_confidence=pose_config.min_pose_detection_confidence,
        min_pose_presence_confidence=pose_config.min_pose_presence_confidence,
        min_tracking_confidence=pose_config.min_tracking_confidence,
    )
    estimator = make_estimator("video", single)
    try:
        with VideoReader(path) as reader:
            for frame in reader:
                people = estimator.estimate(frame.rgb(), timestamp_ms=frame.timestamp_ms)
                if not people:
                    continue
                first = track.get(frame.index)
                # Only frames the first pass saw are replaced: the start is backfill's job, and a
                # pose where the first pass saw nobody has nothing to be checked against.
                if first is not None and box_iou(first.bbox, people[0].bbox) >= config.min_single_pass_iou:
                    track[frame.index] = people[0]
                    replaced += 1
    finally:
        estimator.close()
    return replaced


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


def backfill_track_starts(
    path: str,
    observations: Observations,
    *,
    fps_hz: float,
    make_estimator: EstimatorFactory,
    pose_config: PoseConfig,
    tracker_config: TrackerConfig,
    config: RefineConfig,
) -> dict[int, int]:
    """Search backwards from each track's first detection (module docstring); returns frames added
    per track id. ``observations`` is updated in place."""
    horizon = round(config.backfill_s * fps_hz)
    starts = {tid: min(poses) for tid, poses in observations.items() if poses}
    wanted = {f for s in starts.values() for f in range(max(0, s - horizon), s)}
    added = {tid: 0 for tid in observations}
    if horizon <= 0 or not wanted:
        return added
    frames: dict[int, NDArray[np.uint8]] = {}
    with VideoReader(path) as reader:
        width_px, height_px = reader.info.width, reader.info.height
        last_needed = max(wanted)
        for frame in reader:
            if frame.index in wanted:
                frames[frame.index] = frame.rgb()
            if frame.index >= last_needed:
                break
    crop_config = PoseConfig(
        num_poses=1,
        min_pose_detection_confidence=pose_config.min_pose_detection_confidence,
        min_pose_presence_confidence=pose_config.min_pose_presence_confidence,
        min_tracking_confidence=pose_config.min_tracking_confidence,
    )
    estimator = make_estimator("image", crop_config)
    window = max(2, round(tracker_config.velocity_window_s * fps_hz))
    try:
        for tid, start in sorted(starts.items(), key=lambda kv: kv[1]):
            poses = observations[tid]
            velocity = _velocity_px_per_frame(poses, window_frames=window)
            previous = poses[start]
            for index in range(start - 1, max(0, start - horizon) - 1, -1):
                box = previous.bbox - np.concatenate([velocity, velocity])
                cx, cy = (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0
                if not (0.0 <= cx <= width_px and 0.0 <= cy <= height_px) or index not in frames:
                    break
                x0, y0, x1, y1 = _crop_box(
                    box, scale=config.crop_scale, width_px=width_px, height_px=height_px
                )
                crop = np.ascontiguousarray(frames[index][y0:y1, x0:x1])
                found = estimator.estimate(crop, timestamp_ms=round(1000.0 * index / fps_hz))
                if not found:
                    break
                person = person_in_frame(found[0], offset_px=(x0, y0), width_px=width_px, height_px=height_px)
                if not _continues(person, previous, velocity, tracker_config) or _is_other_person(
                    person, index, tid, observations, tracker_config
                ):
                    break
                poses[index] = person
                added[tid] += 1
                previous = person
    finally:
        estimator.close()
    return added


def _continues(person: PersonPose, previous: PersonPose, velocity: FloatArray, cfg: TrackerConfig) -> bool:
    """Whether ``person`` is ``previous`` one frame earlier, by the tracker's similarity rules."""
    predicted = coco_keypoints(previous).copy()
    predicted[:, :2] -= velocity
    sim = keypoint_similarity(predicted, coco_keypoints(person), scale_px=object_scale_px(previous.bbox))
    sim *= size_consistency(person.height_px, max(previous.height_px, 1.0), tolerance=cfg.size_tolerance)
    return sim >= cfg.min_similarity


def _is_other_person(
    person: PersonPose, index: int, own_id: int, observations: Observations, cfg: TrackerConfig
) -> bool:
    for tid, poses in observations.items():
        other = poses.get(index)
        if tid == own_id or other is None:
            continue
        oks = keypoint_similarity(
            coco_keypoints(person), coco_keypoints(other), scale_px=object_scale_px(other.bbox)
        )
        if oks >= cfg.duplicate_similarity or box_iou(person.bbox, other.bbox) >= cfg.duplicate_iou:
            return True
    return False
