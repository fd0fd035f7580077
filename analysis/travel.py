"""Whether a person walks across the picture, from the pelvis alone.

Gait events need the feet; when they are hidden, blurred or mislabelled (a low-resolution or
badly encoded clip) too few steps are timed to call the clip walking, and the exercise and
balance detectors then read the steps' knee bends as repetitions or a foot in swing as a
single-leg stance. Exercises and balance tests are done in place, so a pelvis that travels far
and steadily across the picture is walking, whatever the feet show.

Units are the person's own torso length (shoulder centre to hip centre, about 0.3 of body
height, Drillis & Contini 1966), so the rule holds at any image scale:

* ``MIN_TRAVEL_TORSOS`` (4 torso lengths, about 2 m): more than any exercise or balance test
  moves the pelvis (a sit-to-stand moves it forward about 0.3-0.5 m, a lunge about one step
  length) and less than two strides of walking;
* ``MIN_SPEED_TORSOS_PER_S`` (1 torso length/s, about 0.5 m/s): slow pathological walking
  (limited community ambulators after stroke walk at 0.4-0.8 m/s, Perry et al. 1995, Stroke
  26:982-989) is at about this pace.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from analysis.types import Trajectories

MIN_TRAVEL_TORSOS = 4.0
MIN_SPEED_TORSOS_PER_S = 1.0
#: Each end of the path is the median of this much of the recording, so one frame does not move it.
END_WINDOW_S = 0.5


@dataclass(frozen=True)
class Travel:
    """How far and how fast the pelvis crossed the picture, in torso lengths."""

    distance_torsos: float
    speed_torsos_per_s: float

    @property
    def walking(self) -> bool:
        return self.distance_torsos >= MIN_TRAVEL_TORSOS and self.speed_torsos_per_s >= MIN_SPEED_TORSOS_PER_S

    def sentence(self) -> str:
        return (
            f"the pelvis travels {self.distance_torsos:.1f} torso lengths across the picture at "
            f"{self.speed_torsos_per_s:.1f} torso lengths/s"
        )


def pelvis_travel(traj: Trajectories) -> Travel | None:
    """The pelvis's net horizontal travel over the recording (None: not measurable).

    Horizontal is the image x axis for image landmarks; for 3-D data the two axes other than the
    one along which the torso is longest.
    """
    if "pelvis" not in traj.points or "mid_shoulder" not in traj.points:
        return None
    pelvis, shoulders = traj.get("pelvis"), traj.get("mid_shoulder")
    torso = np.linalg.norm(shoulders - pelvis, axis=1)
    seen = np.flatnonzero(np.isfinite(pelvis).all(axis=1) & np.isfinite(torso))
    if seen.size < 3:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        length = float(np.nanmedian(torso[seen]))
        vertical = int(np.argmax(np.nanmedian(np.abs(shoulders - pelvis)[seen], axis=0)))
    if not (math.isfinite(length) and length > 0):
        return None
    axes = [0] if traj.axes.planar else [a for a in range(3) if a != vertical]
    window = max(1, round(END_WINDOW_S * traj.sampling_rate_hz))
    start = np.median(pelvis[seen[:window]][:, axes], axis=0)
    end = np.median(pelvis[seen[-window:]][:, axes], axis=0)
    span_s = (float(np.median(seen[-window:])) - float(np.median(seen[:window]))) / traj.sampling_rate_hz
    distance = float(np.linalg.norm(end - start)) / length
    return Travel(distance, distance / span_s if span_s > 0 else 0.0)
