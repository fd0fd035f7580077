"""The frames of the activity a recording shows, and ranges of motion over them (issue 13 item 3).

Range of motion is max - min of a joint angle; over every frame of a file it also measures
whatever happens before and after the activity (walking into the picture behind a tree,
stepping off, a second person taking the tracker), so it is taken over the activity's frames:

* gait: from the first to the last gait event (heel strike or toe-off) of the walking found;
* exercise: the frames of the repetitions (start to end of each, widened by half a second to
  take in the rest position the detector's threshold leaves out);
* balance: the longest single-leg stance bout;
* none of these: every frame (the span then says ``"whole recording"``).

For walking, the range of a joint is that of a typical stride, as gait laboratories report it
(Perry & Burnfield 2010): the median over the side's gait cycles (initial contact to the next
initial contact of the same foot) of each cycle's minimum and of its maximum, so one mistracked
frame in one stride (a knee hidden behind the other leg, a second person passing) does not
become the range.

Angles of a plane are kept only in the frames where the camera sees that plane
(:mod:`analysis.camera_view`: sagittal angles in sagittal segments, frontal ones in frontal
segments); the 2D knee angle, elbow flexion and trunk rotation are kept in every view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analysis.angles import FRONTAL_ANGLES, SAGITTAL_ANGLES, RangeOfMotion, range_of_motion
from analysis.camera_view import CameraViews
from analysis.types import BoolArray, FloatArray


@dataclass(frozen=True)
class ActivityFrames:
    """``mask`` ``(frames,)`` of the activity's frames; ``activity`` names it ("gait", "squat",
    "single_leg_stance" or "whole recording")."""

    activity: str
    mask: BoolArray
    sampling_rate_hz: float

    def describe(self) -> str:
        idx = np.flatnonzero(self.mask)
        if idx.size == 0:
            return f"{self.activity}: no frames"
        rate = self.sampling_rate_hz
        return (
            f"{self.activity}, {idx.size} frames between {idx[0] / rate:.2f} and {(idx[-1] + 1) / rate:.2f} s"
        )


def span_frames(spans: Iterable[tuple[int, int]], *, n_frames: int) -> BoolArray:
    """Mask of the inclusive ``(start, end)`` frame spans."""
    mask = np.zeros(n_frames, dtype=bool)
    for start, end in spans:
        mask[max(0, start) : min(n_frames, end + 1)] = True
    return mask


def activity_frames(
    *,
    activity: str | None,
    spans: Iterable[tuple[int, int]],
    n_frames: int,
    sampling_rate_hz: float,
) -> ActivityFrames:
    """The activity's frames from its spans; every frame when there is no activity or no span."""
    mask = span_frames(spans, n_frames=n_frames)
    if activity is None or not mask.any():
        return ActivityFrames(
            activity="whole recording", mask=np.ones(n_frames, dtype=bool), sampling_rate_hz=sampling_rate_hz
        )
    return ActivityFrames(activity=activity, mask=mask, sampling_rate_hz=sampling_rate_hz)


def angle_frames(angle: str, *, activity: ActivityFrames, views: CameraViews) -> BoolArray:
    """Frames an angle series (e.g. ``left_knee_flexion``) is measured in: the activity's frames
    where the camera sees the angle's plane."""
    if angle.endswith(SAGITTAL_ANGLES):
        return activity.mask & views.mask("sagittal")
    if angle.endswith(FRONTAL_ANGLES):
        return activity.mask & views.mask("frontal")
    return activity.mask


def cycle_range(series: FloatArray, cycles: Sequence[tuple[int, int]]) -> RangeOfMotion | None:
    """Range of a typical cycle: medians of the per-cycle minima and maxima (None: no cycle
    with a measured angle). ``n_frames`` counts the measured frames of all cycles."""
    lows, highs, means, n = [], [], [], 0
    for start, end in cycles:
        part = series[start : end + 1]
        part = part[np.isfinite(part)]
        if part.size < 2:
            continue
        lows.append(float(part.min()))
        highs.append(float(part.max()))
        means.append(float(part.mean()))
        n += int(part.size)
    if not lows:
        return None
    lo, hi = float(np.median(lows)), float(np.median(highs))
    return RangeOfMotion(
        min_deg=lo, max_deg=hi, range_deg=hi - lo, mean_deg=float(np.mean(means)), n_frames=n
    )


def ranges_over(
    angles: Mapping[str, FloatArray],
    *,
    activity: ActivityFrames,
    views: CameraViews,
    cycles: Mapping[str, Sequence[tuple[int, int]]] | None = None,
) -> dict[str, RangeOfMotion]:
    """Range of motion of each angle series over :func:`angle_frames`; a series of a side with
    gait ``cycles`` (``{"left": [(start, end), ...]}``) takes :func:`cycle_range`."""
    out: dict[str, RangeOfMotion] = {}
    for name, series in angles.items():
        frames = angle_frames(name, activity=activity, views=views)
        seen = np.where(frames, series, np.nan)
        side = name.split("_", 1)[0]
        typical = cycle_range(seen, (cycles or {}).get(side, ()))
        out[name] = typical if typical is not None else range_of_motion(seen)
    return out
