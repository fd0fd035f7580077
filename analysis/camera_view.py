"""Camera view per segment of a recording: sagittal (side), frontal (front or back) or oblique.

Method (image landmarks, one person):

1. Per frame, the *width ratio* w = (shoulder width + hip width) / trunk length, all measured in
   the image plane (trunk = mid-hip to mid-shoulder). Turning the body by a yaw angle theta away
   from facing the camera shortens the two widths by cos(theta) and leaves the trunk length
   unchanged, so w = w0 cos(theta) and theta = arccos(w / w0).
2. w0, the ratio of a body facing the camera, is anthropometric: MediaPipe's shoulder points
   sit near the glenohumeral joints, about 0.19 H apart (biacromial breadth about 0.21-0.23 H in
   ANSUR II adults, less the joint-centre offset), its hip points near the hip joint centres,
   about 0.10 H apart (Bell et al. 1990, J Biomech 23:617), and the trunk from hip to shoulder
   joint is 0.288 H (Drillis & Contini 1966, in Winter 2009 fig. 4.1): w0 = 0.29 / 0.288 = 1.0.
3. The per-frame yaw is smoothed with a running median of ``smoothing_s`` (arm swing changes the
   projected shoulder width within a stride; a median keeps a real turn).
4. Thresholds come from the projection error they allow: an angle of 45 deg in a plane turned
   by phi out of the image plane is seen as atan(tan 45 cos phi), 4 deg less at phi = 30 deg and
   18 deg less at phi = 60 deg. So a sagittal angle is measured from the image when the sagittal
   plane is within 30 deg of the image plane (yaw >= 60 deg): **sagittal**; a frontal angle
   when the frontal plane is (yaw <= 30 deg): **frontal**; in between neither plane is seen
   within 4 deg: **oblique**. In width ratios: frontal at w >= 0.87 w0 (cos 30), sagittal at
   w <= 0.5 w0 (cos 60).
5. Hysteresis of ``hysteresis_deg`` around each threshold keeps a view until the yaw clearly
   crosses into the next one, and a segment shorter than ``min_segment_s`` joins the longer
   neighbouring segment (a body turning through a view briefly is not a recording in that view);
   frames where the trunk is not seen for up to ``max_gap_s`` (an occlusion, a missed detection)
   stay inside the segment around them.

MediaPipe's relative depth (z) between the left and right shoulders was considered and is not
used: on the frontal squat clip of the shared data it put the shoulder line 45-68 deg out of the
image plane, i.e. it is too compressed and noisy in the image model to tell the views apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.ndimage import generic_filter

from analysis.types import BoolArray, FloatArray, Trajectories

CameraView = Literal["sagittal", "frontal", "oblique"]
VIEWS: tuple[CameraView, ...] = ("sagittal", "frontal", "oblique")

#: Width ratio of a body facing the camera (see the module docstring, step 2).
FRONTAL_WIDTH_RATIO = (0.19 + 0.10) / 0.288


@dataclass(frozen=True)
class ViewConfig:
    """Thresholds of :func:`camera_views` (derivation in the module docstring)."""

    frontal_max_yaw_deg: float = 30.0
    sagittal_min_yaw_deg: float = 60.0
    hysteresis_deg: float = 5.0
    max_gap_s: float = 0.5
    smoothing_s: float = 1.0
    min_segment_s: float = 1.0
    frontal_width_ratio: float = FRONTAL_WIDTH_RATIO


@dataclass(frozen=True)
class ViewSegment:
    """Frames ``start_frame`` to ``end_frame`` (inclusive) seen in ``view``; ``yaw_deg`` is the
    median body yaw of the segment (0 = facing the camera or facing away, 90 = profile)."""

    view: CameraView
    start_frame: int
    end_frame: int
    yaw_deg: float

    @property
    def n_frames(self) -> int:
        return self.end_frame - self.start_frame + 1


@dataclass(frozen=True)
class CameraViews:
    """Segments in frame order (frames where the trunk is not seen belong to none)."""

    segments: tuple[ViewSegment, ...]
    n_frames: int
    sampling_rate_hz: float
    config: ViewConfig

    def mask(self, view: CameraView) -> BoolArray:
        """``(frames,)`` True in the frames of segments seen in ``view``."""
        out = np.zeros(self.n_frames, dtype=bool)
        for s in self.segments:
            if s.view == view:
                out[s.start_frame : s.end_frame + 1] = True
        return out

    def frames_in(self, views: frozenset[CameraView] | set[CameraView]) -> BoolArray:
        out = np.zeros(self.n_frames, dtype=bool)
        for v in views:
            out |= self.mask(v)
        return out

    def dominant(self, frames: BoolArray | None = None) -> CameraView | None:
        """The view holding most of ``frames`` (all frames when None); None if no segment."""
        sel = np.ones(self.n_frames, dtype=bool) if frames is None else frames
        counts = {v: int(np.count_nonzero(self.mask(v) & sel)) for v in VIEWS}
        best = max(counts, key=lambda v: counts[v])
        return best if counts[best] > 0 else None

    def describe(self) -> str:
        """``"sagittal 1.13-6.83 s (yaw 85 deg)"``-style text, one segment after another."""
        if not self.segments:
            return "view unknown: the trunk was never seen"
        rate = self.sampling_rate_hz
        return "; ".join(
            f"{s.view} {s.start_frame / rate:.2f}-{(s.end_frame + 1) / rate:.2f} s (yaw {s.yaw_deg:.0f} deg)"
            for s in self.segments
        )


def yaw_per_frame(traj: Trajectories, *, frontal_width_ratio: float = FRONTAL_WIDTH_RATIO) -> FloatArray:
    """Body yaw relative to the camera per frame in degrees, 0..90 (NaN where the trunk is unseen).

    0 = facing the camera (or facing away), 90 = profile; image-plane landmarks only.
    """
    p = traj.points

    def length(a: str, b: str) -> FloatArray:
        return np.asarray(np.linalg.norm((p[a] - p[b])[:, :2], axis=1), dtype=np.float64)

    width = length("left_shoulder", "right_shoulder") + length("left_hip", "right_hip")
    mid_sh = 0.5 * (p["left_shoulder"] + p["right_shoulder"])
    pelvis = 0.5 * (p["left_hip"] + p["right_hip"])
    trunk = np.linalg.norm((mid_sh - pelvis)[:, :2], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(trunk > 0, width / trunk, np.nan) / frontal_width_ratio
    return np.asarray(np.degrees(np.arccos(np.clip(ratio, 0.0, 1.0))), dtype=np.float64)


def _running_nanmedian(x: FloatArray, *, size_frames: int) -> FloatArray:
    if size_frames <= 1:
        return x
    with np.errstate(all="ignore"):
        out = generic_filter(
            x, lambda w: np.nanmedian(w) if np.isfinite(w).any() else np.nan, size=size_frames, mode="nearest"
        )
    # A frame where the trunk is not seen stays unseen: the median only fills in its neighbours'
    # noise, not missing frames.
    return np.asarray(np.where(np.isfinite(x), out, np.nan), dtype=np.float64)


def _label(yaw: FloatArray, cfg: ViewConfig) -> list[CameraView | None]:
    """Per-frame view with hysteresis around both thresholds."""
    labels: list[CameraView | None] = []
    current: CameraView | None = None
    h = cfg.hysteresis_deg
    for y in yaw:
        if not np.isfinite(y):
            labels.append(None)
            continue
        if current == "frontal":
            nxt: CameraView = "frontal" if y <= cfg.frontal_max_yaw_deg + h else "oblique"
        elif current == "sagittal":
            nxt = "sagittal" if y >= cfg.sagittal_min_yaw_deg - h else "oblique"
        elif current == "oblique":
            nxt = (
                "frontal"
                if y < cfg.frontal_max_yaw_deg - h
                else "sagittal"
                if y > cfg.sagittal_min_yaw_deg + h
                else "oblique"
            )
        else:
            nxt = (
                "frontal"
                if y <= cfg.frontal_max_yaw_deg
                else "sagittal"
                if y >= cfg.sagittal_min_yaw_deg
                else "oblique"
            )
        # Jumps from frontal to sagittal pass through oblique only if the yaw stops there.
        if current in ("frontal", "sagittal") and nxt == "oblique":
            if current == "frontal" and y >= cfg.sagittal_min_yaw_deg:
                nxt = "sagittal"
            elif current == "sagittal" and y <= cfg.frontal_max_yaw_deg:
                nxt = "frontal"
        labels.append(nxt)
        current = nxt
    return labels


def _runs(labels: list[CameraView | None], *, max_gap_frames: int) -> list[tuple[CameraView, int, int]]:
    """Runs of one view; unseen stretches of up to ``max_gap_frames`` inside a run belong to it."""
    runs: list[tuple[CameraView, int, int]] = []
    for i, lab in enumerate(labels):
        if lab is None:
            continue
        if runs and runs[-1][0] == lab and i - runs[-1][2] - 1 <= max_gap_frames:
            runs[-1] = (lab, runs[-1][1], i)
        else:
            runs.append((lab, i, i))
    return runs


def _merge_short(
    runs: list[tuple[CameraView, int, int]], min_frames: int
) -> list[tuple[CameraView, int, int]]:
    """Give each run shorter than ``min_frames`` (shortest first) to its longer adjacent run."""
    runs = list(runs)
    while len(runs) > 1:
        lengths = [e - s + 1 for _, s, e in runs]
        i = int(np.argmin(lengths))
        if lengths[i] >= min_frames:
            break
        left = runs[i - 1] if i > 0 and runs[i - 1][2] == runs[i][1] - 1 else None
        right = runs[i + 1] if i + 1 < len(runs) and runs[i + 1][1] == runs[i][2] + 1 else None
        if left is None and right is None:
            runs.pop(i)  # an isolated short stretch between unseen frames: no view claimed
            continue
        take_left = right is None or (left is not None and left[2] - left[1] >= right[2] - right[1])
        if take_left:
            assert left is not None
            runs[i - 1 : i + 1] = [(left[0], left[1], runs[i][2])]
        else:
            assert right is not None
            runs[i : i + 2] = [(right[0], runs[i][1], right[2])]
        # Neighbours of the same view that now touch become one run.
        merged: list[tuple[CameraView, int, int]] = []
        for r in runs:
            if merged and merged[-1][0] == r[0] and merged[-1][2] == r[1] - 1:
                merged[-1] = (r[0], merged[-1][1], r[2])
            else:
                merged.append(r)
        runs = merged
    return runs


def camera_views(traj: Trajectories, *, config: ViewConfig | None = None) -> CameraViews:
    """The view segments of image landmarks (method and thresholds in the module docstring)."""
    cfg = config or ViewConfig()
    rate = traj.sampling_rate_hz
    yaw = yaw_per_frame(traj, frontal_width_ratio=cfg.frontal_width_ratio)
    smooth = _running_nanmedian(yaw, size_frames=max(1, round(cfg.smoothing_s * rate)) | 1)
    labels = _label(smooth, cfg)
    runs = _merge_short(
        _runs(labels, max_gap_frames=round(cfg.max_gap_s * rate)), max(1, round(cfg.min_segment_s * rate))
    )
    segments = tuple(
        ViewSegment(view=v, start_frame=s, end_frame=e, yaw_deg=float(np.nanmedian(smooth[s : e + 1])))
        for v, s, e in runs
    )
    return CameraViews(segments=segments, n_frames=traj.n_frames, sampling_rate_hz=rate, config=cfg)
