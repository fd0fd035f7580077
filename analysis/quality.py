"""Quality grade of a value from the landmarks it was computed from (issue 13 item 3).

Over the frames a value used, for the landmarks it needs:

* **share seen**: frames where every needed landmark is present with visibility >= 0.5 (the
  threshold MediaPipe's own drawing uses), out of the frames used. A value from under half of
  its frames is an interpolation across an occlusion: it is withheld (``poor_quality``);
* **visibility**: mean MediaPipe visibility of the needed landmarks in the seen frames;
* **jitter**: frame-to-frame noise of the needed landmarks, sigma = 1.4826 MAD(second
  difference) / sqrt(6) (for white noise the second difference has 6 sigma^2 variance), in
  percent of the trunk length. A point error of e on a segment of length L turns it by about
  e / L rad: 1 % of the trunk (about 5 mm on a 0.5 m trunk) moves a knee angle by about 1-2 deg
  over its three points, 3 % by about 4-5 deg. Below ``min_jitter_rate_hz`` (15 fps) the real
  movement between frames is as large as the noise, so jitter is not graded.

Grades (each criterion gives one; the value gets the worst):

=========  =============  ==============  ==================
grade      share seen     visibility      jitter (% trunk)
=========  =============  ==============  ==================
good       >= 0.9         >= 0.8          <= 1
fair       >= 0.7         >= 0.6          <= 3
poor       >= 0.5         otherwise       otherwise
withheld   < 0.5 (or fewer than ``min_frames_seen`` frames seen)
=========  =============  ==============  ==================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from analysis.types import BoolArray, FloatArray, Landmarks

Grade = Literal["good", "fair", "poor"]
_ORDER: tuple[Grade, ...] = ("good", "fair", "poor")


@dataclass(frozen=True)
class QualityConfig:
    """Thresholds of :func:`grade_landmarks` (reasoning in the module docstring)."""

    min_visibility: float = 0.5
    good_share_seen: float = 0.9
    fair_share_seen: float = 0.7
    min_share_seen: float = 0.5
    good_visibility: float = 0.8
    fair_visibility: float = 0.6
    good_jitter_pct: float = 1.0
    fair_jitter_pct: float = 3.0
    min_jitter_rate_hz: float = 15.0
    min_frames_seen: int = 3


@dataclass(frozen=True)
class Quality:
    """The grade (None = not usable: withhold, ``reason`` says why) and what it was made of."""

    grade: Grade | None
    share_seen: float
    mean_visibility: float
    jitter_pct: float | None
    frames_used: int
    reason: str

    def capped(self, worst: Grade, *, why: str) -> Quality:
        """This quality, at most ``worst`` (e.g. fair for an angle read from an oblique plane)."""
        if self.grade is None or _ORDER.index(self.grade) >= _ORDER.index(worst):
            return self
        return Quality(
            grade=worst,
            share_seen=self.share_seen,
            mean_visibility=self.mean_visibility,
            jitter_pct=self.jitter_pct,
            frames_used=self.frames_used,
            reason=f"{self.reason}; {why}",
        )


def _jitter_pct(xy: FloatArray, seen: BoolArray, trunk_px: float) -> float | None:
    """Noise sigma of the landmarks (frames, k, 2) in % of the trunk length, from seen runs."""
    d2 = xy[2:] - 2 * xy[1:-1] + xy[:-2]
    ok = seen[2:] & seen[1:-1] & seen[:-2]
    values = np.abs(d2[ok]).ravel()
    values = values[np.isfinite(values)]
    if values.size < 3 or not np.isfinite(trunk_px) or trunk_px <= 0:
        return None
    # For zero-mean noise the MAD of the signed second differences is the median of their size.
    sigma = 1.4826 * float(np.median(values)) / np.sqrt(6.0)
    return float(100.0 * sigma / trunk_px)


def trunk_length_px(landmarks: Landmarks) -> float:
    """Median image length from mid-hip to mid-shoulder (the jitter's unit)."""
    xy = landmarks[..., :2]
    mid_sh = 0.5 * (xy[:, 11] + xy[:, 12])
    mid_hip = 0.5 * (xy[:, 23] + xy[:, 24])
    length = np.linalg.norm(mid_sh - mid_hip, axis=1)
    length = length[np.isfinite(length)]
    return float(np.median(length)) if length.size else float("nan")


def grade_landmarks(
    landmarks: Landmarks,
    indices: tuple[int, ...],
    frames: BoolArray,
    *,
    sampling_rate_hz: float,
    config: QualityConfig | None = None,
) -> Quality:
    """Grade landmarks ``indices`` of ``(frames, 33, 4)`` image landmarks over ``frames`` (mask)."""
    cfg = config or QualityConfig()
    used = np.flatnonzero(frames)
    if used.size == 0:
        return Quality(
            grade=None,
            share_seen=0.0,
            mean_visibility=0.0,
            jitter_pct=None,
            frames_used=0,
            reason="no frames to measure it in",
        )
    sel = landmarks[:, list(indices), :]
    vis = np.nan_to_num(sel[..., 3], nan=0.0)
    finite = np.isfinite(sel[..., :2]).all(axis=-1)
    seen_all = (finite & (vis >= cfg.min_visibility)).all(axis=1)
    seen = seen_all[used]
    share = float(np.mean(seen))
    n_seen = int(np.count_nonzero(seen))
    mean_vis = float(np.mean(vis[used][seen])) if n_seen else 0.0
    jitter = None
    if sampling_rate_hz >= cfg.min_jitter_rate_hz:
        window = slice(int(used[0]), int(used[-1]) + 1)
        jitter = _jitter_pct(
            sel[window, :, :2], seen_all[window] & frames[window], trunk_length_px(landmarks)
        )
    facts = f"landmarks seen in {100 * share:.0f}% of {used.size} frames, mean visibility {mean_vis:.2f}"
    if jitter is not None:
        facts += f", jitter {jitter:.1f}% of trunk length"
    if share < cfg.min_share_seen or n_seen < cfg.min_frames_seen:
        return Quality(
            grade=None,
            share_seen=share,
            mean_visibility=mean_vis,
            jitter_pct=jitter,
            frames_used=int(used.size),
            reason=f"{facts}: too few to trust (at least {100 * cfg.min_share_seen:.0f}% needed)",
        )

    def level(value: float, good: float, fair: float, *, higher_is_better: bool = True) -> int:
        if higher_is_better:
            return 0 if value >= good else 1 if value >= fair else 2
        return 0 if value <= good else 1 if value <= fair else 2

    worst = max(
        level(share, cfg.good_share_seen, cfg.fair_share_seen),
        level(mean_vis, cfg.good_visibility, cfg.fair_visibility),
        level(jitter, cfg.good_jitter_pct, cfg.fair_jitter_pct, higher_is_better=False)
        if jitter is not None
        else 0,
    )
    return Quality(
        grade=_ORDER[worst],
        share_seen=share,
        mean_visibility=mean_vis,
        jitter_pct=jitter,
        frames_used=int(used.size),
        reason=facts,
    )
