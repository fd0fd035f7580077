"""Identity tracking of people across frames.

Online, one frame at a time, so the same tracker serves offline video and live capture:

1. **Duplicates.** MediaPipe with ``num_poses > 1`` sometimes returns the same person twice in one
   frame, occasionally with a differently bent skeleton; a detection whose keypoint similarity to a
   better-scoring one reaches ``duplicate_similarity``, or whose box overlaps it by
   ``duplicate_iou``, is dropped (non-maximum suppression).
2. **Prediction.** Each track moves its last keypoints by its torso velocity times the frames
   elapsed. The velocity is the least-squares slope of the shoulder/hip centre over the last
   ``velocity_window_s``, so one badly placed skeleton does not reverse the prediction.
3. **Assignment.** Object keypoint similarity (OKS, the COCO keypoint metric; Ronchi & Perona 2017)
   between predicted track keypoints and detections, on the COCO-17 keypoints weighted by
   visibility, solved with the Hungarian method (``scipy.optimize.linear_sum_assignment``).
   Tracks seen in the previous frame are matched first, scoring the better of OKS and the
   overlap (IoU) of the predicted and detected boxes, because a person rolling or turning fast
   changes pose more than position between two frames. Tracks lost for a while (short occlusion)
   then compete for what is left on OKS alone, with a tolerance that widens with the time lost
   (cascade matching as in DeepSORT, Wojke et al. 2017); box overlap is not trusted after a gap,
   where it would hand an old identity to whoever stands in the same place. Pairs below
   ``min_similarity`` are never matched. Every similarity is multiplied by a size-consistency
   factor ``exp(-ln(h / h_track)^2 / (2 size_tolerance^2))`` on box heights, where ``h_track`` is
   the track's median recent height: a person's size changes gradually, whereas MediaPipe's
   occasional partial skeleton (the legs read as a whole body) is much shorter.
4. **Ending.** A lost track is re-identifiable for ``max_occlusion_s``; it ends earlier when its
   predicted torso centre leaves the frame (the person walked out), so someone who enters later
   gets a new identity instead of inheriting the old one.

Fragments shorter than ``min_track_s`` (typically spurious or duplicate detections) are not
reported as people (:meth:`PoseTracker.tracks`).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from capture.landmarks import COCO17_FROM_BLAZEPOSE, COCO17_OKS_SIGMAS, LANDMARK_INDEX
from capture.pose import PersonPose

FloatArray = NDArray[np.float64]

_TORSO = np.array(
    [LANDMARK_INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")], dtype=np.intp
)
_OKS_KAPPA_SQ = (2.0 * COCO17_OKS_SIGMAS) ** 2
_NO_MATCH = 1e6


@dataclass(frozen=True)
class TrackerConfig:
    """Tunable settings of :class:`PoseTracker` (stored with results so numbers stay traceable).

    ``min_similarity``: lowest OKS (0-1) at which a detection may continue a track.
    ``duplicate_similarity``: OKS at or above which two detections in one frame are one person.
    ``duplicate_iou``: box overlap at or above which two detections in one frame are one person.
    ``max_occlusion_s``: how long a lost track can be re-identified.
    ``occlusion_tolerance_per_s``: relative widening of the OKS scale per second lost, because a
    prediction over a longer gap is less certain: hands and feet keep moving while hidden (in
    walking the ankle travels at up to about two body heights per second).
    ``velocity_window_s``: span of recent torso positions the velocity is fitted to.
    ``size_tolerance``: standard deviation, in natural-log units, of the box-height change accepted
    between a track and a detection (0.3 = a 35% change halves the similarity).
    ``min_track_s``: tracks spanning fewer seconds of detections are not reported as people.
    """

    min_similarity: float = 0.3
    duplicate_similarity: float = 0.5
    duplicate_iou: float = 0.8
    max_occlusion_s: float = 1.0
    occlusion_tolerance_per_s: float = 5.0
    velocity_window_s: float = 0.3
    size_tolerance: float = 0.3
    min_track_s: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 < self.min_similarity < 1.0:
            raise ValueError(f"min_similarity must be in (0, 1), got {self.min_similarity}")
        if not 0.0 < self.duplicate_similarity <= 1.0:
            raise ValueError(f"duplicate_similarity must be in (0, 1], got {self.duplicate_similarity}")
        if not 0.0 < self.duplicate_iou <= 1.0:
            raise ValueError(f"duplicate_iou must be in (0, 1], got {self.duplicate_iou}")
        if self.velocity_window_s <= 0.0:
            raise ValueError(f"velocity_window_s must be positive, got {self.velocity_window_s}")
        if self.size_tolerance <= 0.0:
            raise ValueError(f"size_tolerance must be positive, got {self.size_tolerance}")
        if self.max_occlusion_s < 0.0 or self.min_track_s < 0.0 or self.occlusion_tolerance_per_s < 0.0:
            raise ValueError("max_occlusion_s, min_track_s and occlusion_tolerance_per_s must be >= 0")


def keypoint_similarity(
    keypoints_a: FloatArray, keypoints_b: FloatArray, *, scale_px: float, tolerance: float = 1.0
) -> float:
    """Object keypoint similarity between two COCO-17 poses.

    ``keypoints_*`` are ``(17, 3)``: x_px, y_px, visibility. ``scale_px`` is the object scale ``s``
    (square root of its area, COCO convention); ``tolerance`` multiplies it. Each keypoint
    contributes ``exp(-d^2 / (2 s^2 kappa^2))`` weighted by the smaller of its two visibilities;
    when no keypoint is visible in both, all count equally (MediaPipe still places them).
    Returns a value in [0, 1]; 1 = identical.
    """
    d_sq = np.sum((keypoints_a[:, :2] - keypoints_b[:, :2]) ** 2, axis=1)
    s_sq = max(scale_px * tolerance, 1.0) ** 2
    per_point = np.exp(-d_sq / (2.0 * s_sq * _OKS_KAPPA_SQ))
    weights = np.minimum(np.nan_to_num(keypoints_a[:, 2]), np.nan_to_num(keypoints_b[:, 2]))
    if float(weights.sum()) < 1e-3:
        weights = np.ones_like(per_point)
    return float(np.sum(per_point * weights) / np.sum(weights))


def box_iou(box_a: FloatArray, box_b: FloatArray) -> float:
    """Intersection over union of two ``(4,)`` boxes x_min, y_min, x_max, y_max; 0 when disjoint."""
    iw = min(box_a[2], box_b[2]) - max(box_a[0], box_b[0])
    ih = min(box_a[3], box_b[3]) - max(box_a[1], box_b[1])
    if iw <= 0.0 or ih <= 0.0:
        return 0.0
    inter = float(iw * ih)
    area_a = float((box_a[2] - box_a[0]) * (box_a[3] - box_a[1]))
    area_b = float((box_b[2] - box_b[0]) * (box_b[3] - box_b[1]))
    return inter / (area_a + area_b - inter)


def size_consistency(height_px: float, reference_height_px: float, *, tolerance: float) -> float:
    """``exp(-ln(h / h_ref)^2 / (2 tolerance^2))``: 1 for equal box heights, falling as they differ.

    ``tolerance`` is :attr:`TrackerConfig.size_tolerance` (natural-log units).
    """
    log_ratio = math.log(max(height_px, 1.0) / max(reference_height_px, 1.0))
    return math.exp(-(log_ratio**2) / (2.0 * tolerance**2))


def coco_keypoints(person: PersonPose) -> FloatArray:
    """``(17, 3)`` COCO-17 x_px, y_px, visibility of ``person``, the input of :func:`keypoint_similarity`."""
    return _coco_xyv(person)


def _coco_xyv(person: PersonPose) -> FloatArray:
    return person.image[COCO17_FROM_BLAZEPOSE][:, [0, 1, 3]]


def object_scale_px(bbox: FloatArray) -> float:
    """Object scale ``s`` of a box (square root of its area, COCO convention), at least 1 px."""
    return math.sqrt(max(float((bbox[2] - bbox[0]) * (bbox[3] - bbox[1])), 1.0))


def _height_px(bbox: FloatArray) -> float:
    return max(float(bbox[3] - bbox[1]), 1.0)


def _torso_centre(person: PersonPose) -> FloatArray:
    centre: FloatArray = person.image[_TORSO, :2].mean(axis=0)
    return centre


@dataclass
class _Track:
    track_id: int
    keypoints: FloatArray  # (17, 3) at last_frame
    bbox: FloatArray
    centre: FloatArray
    last_frame: int
    first_frame: int
    velocity: FloatArray = field(default_factory=lambda: np.zeros(2))
    frames: list[int] = field(default_factory=list)
    recent: deque[tuple[int, FloatArray, float]] = field(default_factory=deque)

    def typical_height_px(self) -> float:
        return float(np.median([h for _, _, h in self.recent]))

    def predicted(self, frame_index: int) -> FloatArray:
        shifted = self.keypoints.copy()
        shifted[:, :2] += self.velocity * (frame_index - self.last_frame)
        return shifted

    def predicted_bbox(self, frame_index: int) -> FloatArray:
        dx, dy = self.velocity * (frame_index - self.last_frame)
        shifted: FloatArray = self.bbox + np.array([dx, dy, dx, dy])
        return shifted


@dataclass(frozen=True)
class TrackSummary:
    """One reported identity: frames are 0-based indices into the video, inclusive."""

    track_id: int
    first_frame: int
    last_frame: int
    frames_tracked: int


class PoseTracker:
    """Assigns a stable integer identity to each person, frame after frame.

    ``sampling_rate_hz`` converts the configuration's seconds to frames; ``frame_size_px`` = (width, height)
    lets the tracker end identities of people who walk out of view.
    """

    def __init__(
        self, *, sampling_rate_hz: float, frame_size_px: tuple[int, int], config: TrackerConfig | None = None
    ) -> None:
        if sampling_rate_hz <= 0:
            raise ValueError(f"sampling_rate_hz must be positive, got {sampling_rate_hz}")
        self.config = config or TrackerConfig()
        self.sampling_rate_hz = sampling_rate_hz
        self.width_px, self.height_px = frame_size_px
        self._max_gap_frames = max(1, round(self.config.max_occlusion_s * sampling_rate_hz))
        self._velocity_window_frames = max(2, round(self.config.velocity_window_s * sampling_rate_hz))
        self._alive: list[_Track] = []
        self._all: list[_Track] = []
        self._next_id = 1
        self._last_frame: int | None = None

    def update(self, people: Sequence[PersonPose], *, frame_index: int) -> list[int | None]:
        """Identities for ``people`` (same order); ``None`` marks a suppressed duplicate detection."""
        if self._last_frame is not None and frame_index <= self._last_frame:
            raise ValueError(f"frame_index must increase: got {frame_index} after {self._last_frame}")
        self._last_frame = frame_index
        self._expire(frame_index)
        keep = self._suppress_duplicates(people)
        ids: list[int | None] = [None] * len(people)
        unmatched = list(keep)
        recent = [t for t in self._alive if t.last_frame == frame_index - 1]
        lost = [t for t in self._alive if t.last_frame < frame_index - 1]
        for group, use_overlap in ((recent, True), (lost, False)):
            pairs = self._assign(group, [people[i] for i in unmatched], frame_index, use_overlap=use_overlap)
            matched_local: set[int] = set()
            for track, local in pairs:
                det = unmatched[local]
                self._continue(track, people[det], frame_index)
                ids[det] = track.track_id
                matched_local.add(local)
            unmatched = [d for k, d in enumerate(unmatched) if k not in matched_local]
        for det in unmatched:
            ids[det] = self._start(people[det], frame_index).track_id
        return ids

    @property
    def min_track_frames(self) -> int:
        """Detections a track needs to be reported as a person (``min_track_s`` in frames)."""
        return math.ceil(self.config.min_track_s * self.sampling_rate_hz - 1e-9)

    def tracks(self, *, include_short: bool = False) -> list[TrackSummary]:
        """Every identity seen so far, ordered by first appearance; short fragments left out by default."""
        min_frames = self.min_track_frames
        return [
            TrackSummary(t.track_id, t.first_frame, t.last_frame, len(t.frames))
            for t in sorted(self._all, key=lambda t: (t.first_frame, t.track_id))
            if include_short or len(t.frames) >= min_frames
        ]

    def _expire(self, frame_index: int) -> None:
        still: list[_Track] = []
        for track in self._alive:
            gap = frame_index - track.last_frame
            if gap > self._max_gap_frames:
                continue
            if gap > 1:
                cx, cy = track.centre + track.velocity * gap
                if not (0.0 <= cx <= self.width_px and 0.0 <= cy <= self.height_px):
                    continue  # walked out of view: a later entrant is someone new
            still.append(track)
        self._alive = still

    def _suppress_duplicates(self, people: Sequence[PersonPose]) -> list[int]:
        order = sorted(range(len(people)), key=lambda i: -people[i].score)
        kept: list[int] = []
        for i in order:
            kp = _coco_xyv(people[i])
            duplicate = any(
                keypoint_similarity(kp, _coco_xyv(people[j]), scale_px=object_scale_px(people[j].bbox))
                >= self.config.duplicate_similarity
                or box_iou(people[i].bbox, people[j].bbox) >= self.config.duplicate_iou
                for j in kept
            )
            if not duplicate:
                kept.append(i)
        return sorted(kept)

    def _assign(
        self, tracks: list[_Track], detections: list[PersonPose], frame_index: int, *, use_overlap: bool
    ) -> list[tuple[_Track, int]]:
        if not tracks or not detections:
            return []
        cost = np.full((len(tracks), len(detections)), _NO_MATCH)
        for r, track in enumerate(tracks):
            predicted = track.predicted(frame_index)
            predicted_box = track.predicted_bbox(frame_index)
            lost_s = (frame_index - track.last_frame - 1) / self.sampling_rate_hz
            tolerance = 1.0 + self.config.occlusion_tolerance_per_s * lost_s
            track_height = track.typical_height_px()
            for c, det in enumerate(detections):
                sim = keypoint_similarity(
                    predicted, _coco_xyv(det), scale_px=object_scale_px(track.bbox), tolerance=tolerance
                )
                if use_overlap:
                    sim = max(sim, box_iou(predicted_box, det.bbox))
                sim *= size_consistency(
                    _height_px(det.bbox), track_height, tolerance=self.config.size_tolerance
                )
                if sim >= self.config.min_similarity:
                    cost[r, c] = 1.0 - sim
        rows, cols = linear_sum_assignment(cost)
        return [(tracks[r], int(c)) for r, c in zip(rows, cols, strict=True) if cost[r, c] < _NO_MATCH]

    def _start(self, person: PersonPose, frame_index: int) -> _Track:
        track = _Track(
            track_id=self._next_id,
            keypoints=_coco_xyv(person),
            bbox=person.bbox.copy(),
            centre=_torso_centre(person),
            last_frame=frame_index,
            first_frame=frame_index,
            frames=[frame_index],
        )
        track.recent.append((frame_index, track.centre, _height_px(person.bbox)))
        self._next_id += 1
        self._alive.append(track)
        self._all.append(track)
        return track

    def _continue(self, track: _Track, person: PersonPose, frame_index: int) -> None:
        centre = _torso_centre(person)
        track.recent.append((frame_index, centre, _height_px(person.bbox)))
        while track.recent[0][0] <= frame_index - self._velocity_window_frames:
            track.recent.popleft()
        track.velocity = _fitted_velocity(track.recent)
        track.keypoints = _coco_xyv(person)
        track.bbox = person.bbox.copy()
        track.centre = centre
        track.last_frame = frame_index
        track.frames.append(frame_index)


def _fitted_velocity(recent: deque[tuple[int, FloatArray, float]]) -> FloatArray:
    """Least-squares slope (pixels per frame) of positions over frame indices; zero for one sample."""
    if len(recent) < 2:
        return np.zeros(2)
    t = np.array([f for f, _, _ in recent], dtype=np.float64)
    xy = np.array([c for _, c, _ in recent])
    t -= t.mean()
    slope: FloatArray = (t @ (xy - xy.mean(axis=0))) / float(t @ t)
    return slope
