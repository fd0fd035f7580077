"""Offline stitching of one person's track pieces into one identity, after the online tracker.

The online tracker (:mod:`capture.tracking`) decides frame by frame. When the pose model loses a
person for a few frames and its last estimate before the loss is a bad skeleton (at low
resolution or after re-encoding: the legs read as the whole body, the torso 100 px off for one
frame), the track's prediction is thrown off and the person comes back under a new identity:
on ``walk_side_two_people.mp4`` re-encoded at 320 x 180, as H.265 or as MJPEG the walker was
split in two at the same moment, so a walk of nine steps was analysed as four.

With the whole clip known, a piece that ends and a piece that starts shortly after are joined
when they describe one body moving on: each piece's torso path near the junction is fitted with
a robust line (Theil-Sen slopes, which one bad frame does not tilt; Sen 1968), both lines are
evaluated in the middle of the gap, and they must meet within ``max_distance_body_sizes`` of
the body size (torso plus leg, :func:`capture.subject.body_size_px`) plus
``distance_per_s`` body sizes per second of gap, with body sizes within
``max_size_log_ratio`` (natural log) of each other. A gap up to the tracker's re-identification
horizon (``max_gap_s``) is bridged; pieces may overlap by ``max_overlap_s`` (a duplicate the
tracker kept in the frame of the switch), where the more visible pose is kept. Candidate joins
are taken best first, each piece joined to at most one before and one after it, so two people
who are apart stay apart: the second person in the clip (on the box, a different size and
400 px higher) never meets the walker's line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import theilslopes

from capture.landmarks import LANDMARK_INDEX
from capture.pose import PersonPose
from capture.refine import Observations
from capture.subject import body_size_px

FloatArray = NDArray[np.float64]
_TORSO = [LANDMARK_INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")]


@dataclass(frozen=True)
class StitchConfig:
    """Settings of :func:`stitch_tracks` (module docstring). ``fit_window_s``: how much of each
    piece next to the junction its line is fitted to."""

    max_gap_s: float = 1.0
    max_overlap_s: float = 0.1
    max_distance_body_sizes: float = 0.5
    distance_per_s: float = 0.5
    max_size_log_ratio: float = 0.4
    fit_window_s: float = 0.5


@dataclass(frozen=True)
class _End:
    """A piece's torso line near one of its ends: position at ``frame`` and velocity per frame."""

    frame: int
    position: FloatArray
    velocity: FloatArray | None  # None: too few frames to fit a slope
    size_px: float


def _torso(pose: PersonPose) -> FloatArray:
    centre: FloatArray = pose.image[_TORSO, :2].mean(axis=0)
    return centre


def _end(poses: dict[int, PersonPose], *, at_start: bool, window_frames: int) -> _End:
    frames = sorted(poses)
    near = frames[:window_frames] if at_start else frames[-window_frames:]
    anchor = near[0] if at_start else near[-1]
    xy = np.array([_torso(poses[f]) for f in near])
    sizes = body_size_px(np.stack([poses[f].image for f in near]))
    sizes = sizes[np.isfinite(sizes)]
    size = float(np.median(sizes)) if sizes.size else math.nan
    if len(near) < 3:
        return _End(anchor, np.median(xy, axis=0), None, size)
    t = np.array(near, dtype=np.float64)
    position = np.empty(2)
    velocity = np.empty(2)
    for axis in range(2):
        slope, intercept, _, _ = theilslopes(xy[:, axis], t)
        velocity[axis] = slope
        position[axis] = intercept + slope * anchor
    return _End(anchor, position, velocity, size)


def _at(end: _End, frame: float, fallback: FloatArray | None) -> FloatArray:
    velocity = end.velocity if end.velocity is not None else fallback
    if velocity is None:
        return end.position
    moved: FloatArray = end.position + velocity * (frame - end.frame)
    return moved


def _join_cost(
    before: dict[int, PersonPose], after: dict[int, PersonPose], *, sampling_rate_hz: float, cfg: StitchConfig
) -> float | None:
    """Distance in body sizes where the two pieces' lines meet, or None when they cannot join."""
    last, first = max(before), min(after)
    gap_frames = first - last
    if gap_frames > round(cfg.max_gap_s * sampling_rate_hz) + 1:
        return None
    overlap = [f for f in after if f <= last]
    if gap_frames <= 0 and (
        len(overlap) > max(1, round(cfg.max_overlap_s * sampling_rate_hz)) or min(before) >= first
    ):
        return None
    window = max(3, round(cfg.fit_window_s * sampling_rate_hz))
    end_a = _end(before, at_start=False, window_frames=window)
    start_b = _end(after, at_start=True, window_frames=window)
    size = min(end_a.size_px, start_b.size_px)
    if not (math.isfinite(size) and size > 0):
        return None
    if abs(math.log(end_a.size_px / start_b.size_px)) > cfg.max_size_log_ratio:
        return None
    middle = (last + first) / 2.0
    gap_s = max(gap_frames, 0) / sampling_rate_hz
    apart = float(np.linalg.norm(_at(end_a, middle, start_b.velocity) - _at(start_b, middle, end_a.velocity)))
    limit = cfg.max_distance_body_sizes + cfg.distance_per_s * gap_s
    return apart / size if apart <= limit * size else None


def stitch_tracks(
    observations: Observations, *, sampling_rate_hz: float, config: StitchConfig | None = None
) -> dict[int, int]:
    """Which track pieces of ``observations`` (track id -> frame -> pose) are one person.

    Returns ``{piece id: identity id}`` for every piece, the identity being the id of its chain's
    first piece; :func:`merge_pieces` applies it.
    """
    cfg = config or StitchConfig()
    ids = sorted((tid for tid in observations if observations[tid]), key=lambda t: min(observations[t]))
    candidates: list[tuple[float, int, int]] = []
    for a in ids:
        for b in ids:
            if (
                a == b
                or min(observations[b]) <= min(observations[a])
                or max(observations[b]) <= max(observations[a])
            ):
                continue
            cost = _join_cost(observations[a], observations[b], sampling_rate_hz=sampling_rate_hz, cfg=cfg)
            if cost is not None:
                candidates.append((cost, a, b))
    successor: dict[int, int] = {}
    predecessor: dict[int, int] = {}
    for _, a, b in sorted(candidates):
        if a in successor or b in predecessor:
            continue
        successor[a] = b
        predecessor[b] = a
    identity: dict[int, int] = {}
    for tid in ids:
        if tid in predecessor:
            continue
        current: int | None = tid
        while current is not None:
            identity[current] = tid
            current = successor.get(current)
    return identity


def merge_pieces(observations: Observations, identity: dict[int, int]) -> Observations:
    """``observations`` with the pieces of each identity merged under the identity's id; where two
    pieces overlap, the pose with the higher mean visibility is kept."""
    merged: Observations = {}
    for tid in sorted(identity, key=lambda t: min(observations[t])):
        target = merged.setdefault(identity[tid], {})
        for frame, pose in observations[tid].items():
            held = target.get(frame)
            if held is None or pose.score > held.score:
                target[frame] = pose
    return merged
