"""Contacts into standing and toe-offs out of it, timed from the feet's speed over the ground.

Why a second method: Zeni et al. (2008)'s extrema (:mod:`analysis.gait.events`) need the heel to
land ahead of the pelvis and the toe to leave behind it. The last step into standing lands under or
behind a pelvis that is still moving forward, and the first toe-off out of standing starts with the
foot under the pelvis, so neither has an extremum (issue 15: on Camargo et al. 2021's circuit the
last contact before a stop and the first toe-off after it were not reported).

Where the walker stands (:func:`analysis.gait.standing.standing_spans`: pelvis and both heels
still), the recording's frame is the ground's: a treadmill belt cannot carry standing feet. So next
to a standing span the feet's own speed in that frame says when they land and lift, the
marker-speed principle of Ghoussayni et al. (2004, Gait & Posture 20:266-272) and of O'Connor et
al. (2007)'s foot-velocity algorithm. Ghoussayni's fixed 50 mm/s does not fit filtered data (the
6 Hz low-pass spreads the stop over about +-80 ms) nor slow walkers, so the thresholds are
fractions of the swing's own peak speed:

- initial contact: the foot (the slower of heel and toe, whichever lands first) falls below
  ``LANDED_FRACTION`` (0.1) of its swing's peak speed;
- toe-off: the toe rises above ``LIFTED_FRACTION`` (0.3) of its swing's peak speed.

The fractions were set on every force-plate event of the overground development trials (not on the
stops: Rajagopal, Camargo, OpenCap, Sint Maartenskliniek; the treadmill trial has no ground frame):
contact with 0.05 / 0.1 / 0.15 / 0.2 gave bias +29.6 / +6.5 / -7.8 / -14.5 ms and MAE 29.6 / 11.4 /
15.5 / 25.6 ms (26 contacts); toe-off with 0.1 / 0.2 / 0.3 gave bias -50.3 / -26.8 / -9.3 ms and MAE
50.3 / 26.8 / 10.3 ms (25 toe-offs; the toe rolls forward before it lifts, so low fractions are
early). The one contact far off (+93 ms at 0.1) closes a 26 mm shuffle, which the step-length check
below leaves out.

On Camargo's stop (the only one in the development data) the last contact into standing comes
+22 ms and the first toe-off out of it -4 ms from the plates'; the closing shuffle's toe-off and
contact stay untimed. Pooled with the extrema over every development trial: contacts 29 found, MAE
10.5 ms, bias +1.2 ms; toe-offs 28 found, MAE 8.2 ms, bias -2.5 ms; none invented.

Steps are looked for within one stride of the standing span, the walker's median stride
(:mod:`analysis.gait.events`), so that a slow walker's last step is not outside the window.

A swing counts as a step when the heel travels at least ``min_step`` horizontally between the toe's
lift and the foot's landing (the same step-sized excursion Zeni's extrema need); a shuffle or a
weight shift of a standing foot is not timed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy.signal import find_peaks

# A module import: analysis.velocities imports analysis.gait, which imports this module.
from analysis import velocities
from analysis.types import FloatArray

LANDED_FRACTION = 0.1
LIFTED_FRACTION = 0.3
#: The ``method`` of the events this module times (:class:`analysis.gait.GaitEvent`).
GROUND_SPEED = "ground speed"


@dataclass(frozen=True)
class GroundEvent:
    """An event timed from ground-frame speeds: the foot, its kind and its sub-frame position."""

    foot: str
    kind: str  # "initial_contact" or "toe_off"
    pos: float


def _down(s: FloatArray, start: int, stop: int, level: float) -> float | None:
    """Sub-frame time of the first fall of ``s`` to ``level`` in frames ``start`` to ``stop``."""
    for j in range(max(start, 1), min(stop, s.size)):
        if not np.isfinite(s[j]):
            return None
        if s[j] <= level:
            return float(j - 1 + (s[j - 1] - level) / (s[j - 1] - s[j]))
    return None


def _up(s: FloatArray, peak: int, start: int, level: float) -> float | None:
    """Sub-frame time of the last rise of ``s`` through ``level`` before frame ``peak``, not
    before frame ``start``."""
    for j in range(peak, max(start, 0), -1):
        if not np.isfinite(s[j - 1]):
            return None
        if s[j - 1] <= level:
            return float(j - 1 + (level - s[j - 1]) / (s[j] - s[j - 1]))
    return None


def _travel(heel: FloatArray, a: float, b: float, horiz: list[int]) -> float:
    pa, pb = heel[round(a), horiz], heel[round(b), horiz]
    return float(np.linalg.norm(pb - pa))


def events_around_standing(
    positions: dict[str, FloatArray],
    spans: list[tuple[int, int]],
    *,
    horiz: list[int],
    sampling_rate_hz: float,
    window_frames: int,
    min_step: float,
) -> list[GroundEvent]:
    """The last contact of each foot before each standing span and the first toe-off after it.

    ``positions``: low-pass filtered ``(frames, 3)`` of ``{foot}_heel`` and ``{foot}_toe``;
    ``spans``: half-open standing frame ranges; ``window_frames``: how far from a span a step is
    looked for (about a stride); ``min_step``: the heel travel a swing needs to count as a step.
    """
    out: list[GroundEvent] = []
    n = next(iter(positions.values())).shape[0]
    for foot in ("left", "right"):
        heel, toe = positions[f"{foot}_heel"], positions[f"{foot}_toe"]
        toe_speed = velocities.speed(toe, sampling_rate_hz=sampling_rate_hz)
        foot_speed = np.fmin(velocities.speed(heel, sampling_rate_hz=sampling_rate_hz), toe_speed)
        step = partial(_step, foot_speed, toe_speed, heel, horiz=horiz, min_step=min_step)
        for a, b in spans:
            # Into standing: the last swing before it; its landing is the contact.
            swings = _swings(foot_speed, max(0, a - window_frames), a) if a > 0 else []
            landing = step(swings[-1], lift_from=0, land_until=a + 1) if swings else None
            if landing is not None:
                out.append(GroundEvent(foot, "initial_contact", landing[1]))
            # Out of standing: the first swing after it; its lift is the toe-off.
            swings = _swings(toe_speed, b, min(n, b + window_frames)) if b < n else []
            lift = step(swings[0], lift_from=b, land_until=n) if swings else None
            if lift is not None:
                out.append(GroundEvent(foot, "toe_off", lift[0]))
    return out


def _swings(s: FloatArray, start: int, stop: int) -> list[int]:
    """Frames in ``[start, stop)`` of the speed peaks that stand out by a third of the largest
    there. Prominence is judged on a span three times as long, so that a swing peaking near the
    window's end is not cut short of its fall."""
    seg = np.nan_to_num(s[start:stop], nan=0.0)
    if seg.size < 3 or seg.max() <= 0:
        return []
    lo, hi = max(0, start - seg.size), min(s.size, stop + seg.size)
    peaks, _ = find_peaks(np.nan_to_num(s[lo:hi], nan=0.0), prominence=seg.max() / 3)
    return [lo + int(p) for p in peaks if start <= lo + p < stop]


def _step(
    foot_speed: FloatArray,
    toe_speed: FloatArray,
    heel: FloatArray,
    peak: int,
    *,
    lift_from: int,
    land_until: int,
    horiz: list[int],
    min_step: float,
) -> tuple[float, float] | None:
    """The toe's lift and the foot's landing around the swing peaking at frame ``peak``, or None
    when either is not in ``[lift_from, land_until]`` or the heel travels less than a step."""
    lifted = _up(toe_speed, peak, lift_from, LIFTED_FRACTION * toe_speed[peak])
    landed = _down(foot_speed, peak, land_until, LANDED_FRACTION * foot_speed[peak])
    if lifted is None or landed is None or _travel(heel, lifted, landed, horiz) < min_step:
        return None
    return lifted, landed
