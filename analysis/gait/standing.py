"""Standing spans within a walk, and notes for the steps into and out of them.

Where a walker stops, the last steps are short (a closing step brings the heel level with the
other foot, not ahead of the pelvis) and the first toe-off when walking resumes starts with the
foot under the pelvis: neither makes the step-sized heel or toe excursion relative to the pelvis
that Zeni et al. (2008)'s extrema need (``min_excursion_leg_lengths``). On markers a real step
into or out of standing is then timed from the feet's ground speed
(:mod:`analysis.gait.ground_frame`); what remains (a closing shuffle, or any such event on video) is
reported as omitted over a span, rather than silently absent.

Standing: the pelvis and both heels move horizontally at under ``max_speed_leg_lengths_per_s``
(0.1 leg lengths per second, a sixth of slow walking, 0.6 leg lengths per second) for at least
``min_duration_s`` (0.5 s, about half a stride). The spans before and after in which events
may be missing are one stride before standing (the closing step and the contact before it) and
half a stride after (the first toe-off).
"""

from __future__ import annotations

import numpy as np

from analysis.signals.filtering import nan_runs
from analysis.types import FloatArray

STRIDE_S = 1.1  # a typical stride at comfortable speed (Perry & Burnfield 2010)


def standing_spans(
    speeds: list[FloatArray],
    *,
    sampling_rate_hz: float,
    max_speed: float,
    min_duration_s: float = 0.5,
) -> list[tuple[int, int]]:
    """Half-open frame ranges where every horizontal speed in ``speeds`` (units/s) stays under
    ``max_speed`` for at least ``min_duration_s``; unseen frames do not count as standing."""
    still = np.ones(speeds[0].shape[0], dtype=bool)
    for v in speeds:
        still &= np.isfinite(v) & (v < max_speed)
    return [(a, b) for a, b in nan_runs(still) if (b - a) >= min_duration_s * sampling_rate_hz]


def transition_spans(
    spans: list[tuple[int, int]], *, n_frames: int, sampling_rate_hz: float, stride_s: float = STRIDE_S
) -> list[tuple[int, int, tuple[str, ...], str]]:
    """For each standing span, the frames before it (walking slows into standing) and after it
    (walking resumes) in which events may be untimed, the kinds of event concerned, and the reason
    in words. Into standing both kinds (the closing step lifts and lands); after it only toe-offs:
    the first contact after standing ends a full step, ahead of the pelvis."""
    out: list[tuple[int, int, tuple[str, ...], str]] = []
    before = round(stride_s * sampling_rate_hz)
    after = round(0.5 * stride_s * sampling_rate_hz)
    for a, b in spans:
        t_a, t_b = a / sampling_rate_hz, b / sampling_rate_hz
        if a > 0:
            out.append(
                (
                    max(0, a - before),
                    a,
                    ("initial_contact", "toe_off"),
                    f"walking stops at {t_a:.2f} s: the last steps into standing are shorter than a "
                    "step or end level with the other foot, so their contacts and toe-offs are not timed",
                )
            )
        if b < n_frames:
            out.append(
                (
                    b,
                    min(n_frames, b + after),
                    ("toe_off",),
                    f"walking resumes at {t_b:.2f} s: the first toe-off from standing starts with the "
                    "foot under the pelvis, so it is not timed",
                )
            )
    return out
