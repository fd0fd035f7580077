"""Initial contact refined from the heel's arrival on the ground, and marker gaps around events.

Why a refinement: Zeni et al. (2008)'s initial contact, the maximum of the heel's distance ahead of
the pelvis, is the instant the heel's velocity relative to the pelvis is zero. The heel lands
later: in terminal swing the leg retracts and the heel still travels forward over the ground
while the pelvis overtakes it, and the slower the walk the longer this lasts. On the development
trials (two OpenSim examples and eight trials from three other labs, 29 clean force-plate
contacts) the heel maximum came 10-70 ms before the plate's 20 N threshold (mean -36 ms); the
issue measured up to -131 ms on slow walkers of other labs.

Criterion: contact is when the heel has nearly stopped *on the ground*. Relative to the pelvis a
heel standing on the ground moves backwards at the walking speed (overground the pelvis moves
over a fixed foot; on a treadmill the belt carries the foot under a fixed pelvis), so the same
rule serves both and needs no lab frame: after the heel maximum, the relative velocity along
the progression direction ``u`` falls from 0 to ``-V`` where ``V`` is the stance speed, measured
as the median of ``-u`` in the first part of the following stance (0.1-0.3 s after contact for a
1.1 s stride: foot flat, before heel rise at about 30 % of the stride; Perry & Burnfield 2010).
Contact is the first crossing of ``u`` below ``-contact_speed_fraction * V`` before that window
ends. The window is scaled by the walker's median stride (``GaitEventConfig.stance_window_s``), because
the phases keep their share of the stride as walking slows: with a fixed window a slow walker's
heel is still settling when its stance speed is measured (issue 15: a slow walker's heel
maximum came 131 ms before the plates' contact). This is the marker-velocity
threshold of Ghoussayni et al. (2004, Gait & Posture 20:266-272: heel contact when the sagittal
heel speed falls below 50 mm/s), and the foot-velocity idea of O'Connor et al. (2007, Gait &
Posture 25:469-474), expressed as a fraction of the walking speed so that it needs no units and
scales with the walker: a fixed 50 mm/s is 4 % of a normal walking speed but 10 % of a slow one.

The fraction: with data low-pass filtered at 6 Hz, the abrupt stop of the heel is spread over
about +-80 ms, and the filtered velocity passes the true instant of contact before it has fully
reached ``-V``. Pooled over the development trials (28 clean plate contacts found), contact
against the plates has bias -15.6 / -5.4 / +0.6 / +6.8 ms and MAE 16.6 / 10.8 / 10.1 / 12.1 ms for
fractions 0.5 / 0.7 / 0.8 / 0.9; 0.8 is used. The bias moves by about 6 ms per 0.1 of fraction,
so the choice is not on a knife edge, and it was set on the pooled figures, not on one trial.

Per trial with 0.8 (IC MAE / bias, ms; before = Zeni's heel maximum alone): gait2354 treadmill
21.1 / +21.1 (before 22.8 / -22.8), Rajagopal overground 9.3 / +9.3 (17.2 / -17.2), Camargo
circuit 9.4 / -7.9 (42.5 / -42.5), OpenCap walking1 8.9 / +2.0 (38.6 / -38.6), walking2 4.6 / +4.6
(35.9 / -35.9), walking4 5.9 / -1.6 (41.2 / -41.2), toe-in 11.2 / -11.2 (45.6 / -45.6), toe-out
3.9 / -3.6 (43.6 / -43.6), trunk sway 4.0 / +3.9 (40.8 / -40.8), Sint Maartenskliniek 14.1 / -14.1
(37.2 / -37.2). Pooled: 10.1 / +0.6 (35.5 / -35.5); the worst single contact is 27 ms off.
(These figures are with the fixed 0.1-0.3 s window; with the stride-scaled one, pooled with the
contacts into standing of :mod:`analysis.gait.ground_frame`: 29 contacts, 10.1 / +1.5.)

Speed: every development trial played 1.3, 1.6 and 2 times slower (time stretched, strides up to
about 2.2 s) gives contact MAE / bias 11.5 / +1.3, 15.6 / +1.6 and 20.3 / +6.0 ms with the scaled
window, against 12.2 / +2.6, 16.7 / +5.1 and 20.1 / +10.4 ms with the fixed one, which at 2x also
leaves 4 more contacts untimed. Errors in ms grow with the stride (the same movement lasts
longer); the bias stays under 10 ms.
"""

from __future__ import annotations

import numpy as np

from analysis.signals.filtering import nan_runs
from analysis.types import BoolArray, FloatArray


def heel_velocity(
    filtered_rel: FloatArray,
    raw_rel: FloatArray,
    direction: FloatArray,
    *,
    sampling_rate_hz: float,
    edge_frames: int,
) -> FloatArray:
    """Heel velocity relative to the pelvis along ``direction`` (``(frames, 3)`` each), units/s.

    From the low-pass filtered positions, except within ``edge_frames`` of the first and last
    frame, where the zero-phase filter's edge padding (an odd reflection) erases the heel's
    deceleration: a contact 20 ms after the start would look as if the heel were already
    standing. There the unfiltered positions' central differences are used.
    """
    u = np.gradient(np.einsum("ij,ij->i", filtered_rel, direction)) * sampling_rate_hz
    raw = np.einsum("ij,ij->i", raw_rel, direction)
    seen = np.flatnonzero(np.isfinite(raw))
    if seen.size < 3:
        return np.asarray(u, dtype=np.float64)
    # The data start and end where the points are first and last seen.
    a, b = int(seen[0]), int(seen[-1]) + 1
    raw_u = np.gradient(raw[a:b]) * sampling_rate_hz
    k = min(edge_frames, (b - a) // 2)
    if k > 0:
        u[a : a + k] = raw_u[:k]
        u[b - k : b] = raw_u[-k:]
    return np.asarray(u, dtype=np.float64)


def stance_speed(
    u: FloatArray, start: float, *, sampling_rate_hz: float, window_s: tuple[float, float]
) -> float | None:
    """Median backward speed ``-u`` in ``window_s`` after frame ``start``; None when under 0.05 s
    of it is in the recording (the stance is cut off).

    When the recording ends (or a gap begins) inside the window, the part of the stance from
    half the window's start onwards is used instead if it spans at least 0.03 s: the heel has
    settled by then (its deceleration after contact lasts about 50 ms).
    """
    for lead_s, min_s in ((window_s[0], 0.05), (0.5 * window_s[0], 0.03)):
        a = int(np.ceil(start + lead_s * sampling_rate_hz))
        b = int(np.floor(start + window_s[1] * sampling_rate_hz)) + 1
        seg = u[max(a, 0) : min(b, u.size)]
        seg = seg[np.isfinite(seg)]
        if seg.size >= max(2, round(min_s * sampling_rate_hz)):
            return float(-np.median(seg))
    return None


def _crossing(u: FloatArray, start: float, threshold: float, *, last: int) -> float | None:
    """Sub-frame time of the first fall of ``u`` to ``threshold`` at or after ``start`` and up to
    frame ``last``; ``start`` itself when ``u`` is already there."""
    i0 = int(np.ceil(start))
    if i0 >= u.size or not np.isfinite(u[i0]):
        return None
    if u[i0] <= threshold:
        return float(start)
    for j in range(i0 + 1, min(last, u.size - 1) + 1):
        if not np.isfinite(u[j]):
            return None
        if u[j] <= threshold:
            return float(j - 1 + (u[j - 1] - threshold) / (u[j - 1] - u[j]))
    return None


CUT_OFF = "the stance after it is cut off by the end of the recording or a gap"

#: How initial contact on video landmarks is defined, and how that differs from an annotator's,
#: in the words a validation report states beside the video figures. Only the definition: the
#: size of the lag is measured by each validation run on its own clips and stated with it
#: (``clinic.validation``), since it depends on the frame rate and the footage.
VIDEO_CONTACT_DEFINITION = (
    "On video, initial contact is the instant the pose model's heel landmark is farthest ahead of "
    "the pelvis along the walking direction (Zeni et al. 2008), without the refinement used on "
    "marker data. An annotator marks the first frame in which the foot is seen touching the "
    "ground. The pose model's heel keeps moving forward for a few frames after that visible "
    "touchdown: the sole lands while the landmark, placed on the foot's outline in the image, "
    "still slides forward. The heel, ankle and toe landmarks all show it, with or without the "
    "pose model's smoothing over frames, so it is the foot's motion as the model sees it, not a "
    "filter delay. The method's contacts therefore come later than the annotated ones by about "
    "the same number of frames at every strike. Cadence and step times are not affected, since "
    "the same lag cancels in the time between two strikes; the instants of contact are."
)


def contact_from_anchor(
    u: FloatArray,
    anchor: float,
    *,
    sampling_rate_hz: float,
    speed_fraction: float,
    stance_window_s: tuple[float, float],
    fallback_speed: float | None = None,
) -> tuple[float | None, float | None, str]:
    """Initial contact (sub-frame) after the heel maximum at frame ``anchor``, the stance speed
    used, and why the contact is None when it is.

    ``u``: heel velocity relative to the pelvis along the progression direction (units/s,
    positive forward). The stance speed is measured once from the anchor and once more from the
    first estimate of contact, so that an early anchor (slow walking) does not put swing into
    the stance window. When the stance is cut off (a contact just before the end of the
    recording), ``fallback_speed`` (a neighbouring contact's stance speed) stands in; without
    one the reason is :data:`CUT_OFF`.
    """
    # The heel settles before the stance window ends (it is foot-flat by then).
    search_end = int(anchor + stance_window_s[1] * sampling_rate_hz + 1)
    contact = anchor
    speed: float | None = None
    for _ in range(2):
        speed = stance_speed(u, contact, sampling_rate_hz=sampling_rate_hz, window_s=stance_window_s)
        speed = fallback_speed if speed is None else speed
        if speed is None:
            return None, None, CUT_OFF
        if speed <= 0:
            # The foot does not move backwards under the pelvis: a stop. The heel maximum is the
            # best estimate left (Zeni et al. 2008).
            return anchor, speed, ""
        found = _crossing(u, anchor, -speed_fraction * speed, last=search_end)
        if found is None:
            return (
                None,
                speed,
                f"the heel does not come to rest on the ground within {stance_window_s[1]:.2f} s of its "
                "forward-most point",
            )
        contact = found
    return contact, speed, ""


def gap_near(
    missing: BoolArray, first: float, last: float, *, margin_frames: float, min_gap_frames: int
) -> tuple[int, int] | None:
    """A run of at least ``min_gap_frames`` missing samples within ``margin_frames`` of the
    span ``[first, last]`` (frames), as a half-open range, or None."""
    lo, hi = first - margin_frames, last + margin_frames
    for a, b in nan_runs(missing):
        if b - a >= min_gap_frames and a <= hi and b - 1 >= lo:
            return a, b
    return None
