"""Heel strikes (initial contacts) and toe-offs from heel, toe and pelvis trajectories.

Method: Zeni, Richards and Higginson (2008), "Two simple methods for determining gait events
during treadmill and overground walking using kinematic data", Gait & Posture 27:710-714. In the
direction of progression, initial contact is a maximum of the heel's distance ahead of the
pelvis and toe-off a minimum of the toe's. Peaks are refined to sub-frame time with a parabola.

Direction independence: the progression direction is estimated in sliding windows. Where the
pelvis travels (overground walking: at least ``min_progression_leg_lengths_per_s``), the
direction is that of its net displacement, the most robust cue with noisy video landmarks. Where
it does not (a treadmill, walking on the spot), the feet give it: relative to the pelvis, a foot moves forward fast during
swing (~40 % of the cycle) and backward slowly during stance (~60 %); the forward direction is
therefore the sign of the *skewness* of the relative foot velocity along its principal
horizontal axis. Either way, windows where the feet make no step-sized excursion (standing) or where the
skewness is ambiguous (turning) have no direction, and no events are reported there.

Single-frame outliers (a pose model briefly exchanging the left and right foot) are removed with
a Hampel identifier before filtering; otherwise one swapped frame makes a false heel maximum.

Initial contact on marker data: the heel maximum comes before the heel lands (on ten trials from
four labs, 10-70 ms before the force plates' 20 N threshold, mean -36 ms), so each maximum is
refined forward to the moment the heel settles on the ground: its velocity relative to the pelvis
reaches 0.8 of the stance speed (:mod:`analysis.gait.contact`, after Ghoussayni et al. 2004 and
O'Connor et al. 2007; figures per trial there), in a window scaled to the walker's stride.
Pooled over the development trials: contact MAE 10.1 ms, bias +1.5 ms (before 35.5 / -35.5 ms);
toe-off MAE 8.2 ms, bias -2.5 ms. Image
landmarks keep the heel maximum (``GaitEventConfig.refine_contact_on_images``).

Events that cannot be timed are left out with a reason in ``GaitEvents.omitted``: a contact whose
heel is already on the ground in the first frame, a contact whose stance the recording cuts off
before its speed can be measured (a neighbouring contact's stance speed stands in when there is
one), an event with a run of missing heel or toe samples within half a filter period, and the
steps into and out of standing that are too short to be steps (:mod:`analysis.gait.standing`).
Next to standing, where the extrema miss them, the last contact and the first toe-off are timed
from the feet's ground speed (:mod:`analysis.gait.ground_frame`; markers only). Near the first
and last frames the heel velocity comes from unfiltered samples and the Hampel identifier is not
applied, because the filter's edge padding and Hampel's one-sided window erase a contact or
toe-off there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from typing import Literal

import numpy as np
from scipy.signal import find_peaks

# A module import: analysis.velocities imports analysis.gait, which imports this module.
from analysis import velocities
from analysis.gait.contact import CUT_OFF, contact_from_anchor, gap_near, heel_velocity
from analysis.gait.ground_frame import GROUND_SPEED, events_around_standing
from analysis.gait.standing import STRIDE_S, standing_spans, transition_spans
from analysis.gait.steps import merge_duplicate_contacts
from analysis.signals.filtering import hampel, interpolate_gaps, lowpass
from analysis.types import BoolArray, FloatArray, InputError, Trajectories

Foot = Literal["left", "right"]
EventKind = Literal["initial_contact", "toe_off"]
FEET: tuple[Foot, Foot] = ("left", "right")
GAIT_POINTS = ("left_heel", "right_heel", "left_toe", "right_toe", "pelvis")
LANDED_BEFORE_START = (
    "the heel had already landed by the first frame (it moves back at its stance speed there), "
    "so its contact is at or before the start of the recording"
)


@dataclass(frozen=True)
class GaitEventConfig:
    """Settings of :func:`detect_gait_events`.

    ``min_excursion_leg_lengths``: how far (in leg lengths) a heel or toe must travel relative to
    the pelvis on at least one side of a peak for it to count as a step (walking steps move the
    heel about 0.6 leg lengths; shuffling and sway stay far below 0.12). ``min_stride_s``: two
    events of the same kind on one foot are at least this far apart. ``direction_window_s``:
    length of the windows in which the walking direction is estimated.
    ``min_direction_confidence``: normalised third moment (0 = symmetric, 1 = all one way) of the
    relative foot velocity needed to call a direction. ``min_progression_leg_lengths_per_s``: net
    pelvis speed over a window above which its displacement gives the direction (slow walking,
    0.5 m/s, is about 0.6 leg lengths/s; sway and a treadmill stay far below 0.3).
    ``hampel_half_window_s``: half-window of the outlier filter (None = off); 0.1 s spans 3
    frames at 30 fps, so a swap lasting one or two frames is an outlier.
    ``min_sampling_rate_hz``: below it events are refused. At 15 Hz a frame lasts 67 ms, already
    more than the 60 ms within which an event must fall to count as found (the usual tolerance of
    event validation against force plates, e.g. Zeni et al. 2008 report events within one frame);
    the 6 Hz low-pass also needs a sampling rate above about 13 Hz to act at all.
    ``contact_speed_fraction`` and ``stance_window_s``: initial contact is when the heel's
    backward velocity relative to the pelvis reaches this fraction of the stance speed, measured
    in this window after contact (:mod:`analysis.gait.contact` gives the sources and figures).
    The window is for a typical stride (:data:`analysis.gait.standing.STRIDE_S`, 1.1 s) and is
    scaled by the walker's own: the phases of gait keep their share of the stride as walking
    slows (Perry & Burnfield 2010), so a slow walker's heel takes longer to settle and a fixed
    window would measure the stance speed too early. ``max_stride_s``: the longest interval
    between a foot's heel maxima taken as one stride (a walker at 0.4 m/s strides in about 2 s);
    longer ones span a stop or a turn.
    ``max_event_gap_s``: a run of missing samples of the event's heel or toe longer than this,
    within half a filter period (0.5 / ``cutoff_hz``) of the event, leaves the event out with the
    reason: gap filling would otherwise invent its timing (81 ms off on average for a 0.2 s gap,
    issue 15). ``refine_contact_on_images``: apply the contact refinement to image landmarks
    (``axes.planar``) too. Off by default: it is validated against force plates on markers only;
    on the annotated walking video the heel maximum on MediaPipe's feet already comes 1.7-3.6
    frames *after* the annotated contacts, and the refinement moves it about one more frame
    later (measured: +2.1 to +4.6 frames), so on image landmarks the heel maximum (Zeni et al.
    2008) is kept.
    """

    cutoff_hz: float = 6.0
    filter_order: int = 4
    max_gap_s: float = 0.25
    min_excursion_leg_lengths: float = 0.12
    min_stride_s: float = 0.5
    direction_window_s: float = 2.0
    min_direction_confidence: float = 0.1
    min_progression_leg_lengths_per_s: float = 0.3
    hampel_half_window_s: float | None = 0.1
    min_sampling_rate_hz: float = 15.0
    contact_speed_fraction: float = 0.8
    stance_window_s: tuple[float, float] = (0.1, 0.3)
    max_stride_s: float = 2.5
    max_event_gap_s: float = 0.04
    refine_contact_on_images: bool = False


@dataclass(frozen=True)
class GaitEvent:
    """One event. ``method``: ``"extremum"`` (Zeni et al. 2008's heel or toe extremum, refined on
    markers as :mod:`analysis.gait.contact` says) or ``"ground speed"`` (a contact into standing or
    a toe-off out of it, :mod:`analysis.gait.ground_frame`)."""

    foot: Foot
    event: EventKind
    frame: int
    time_s: float
    method: str = "extremum"


@dataclass(frozen=True)
class OmittedEvent:
    """An event the data show but cannot time: where it would be and why it is left out."""

    foot: Foot
    event: EventKind
    frame: int
    time_s: float
    reason: str
    until_s: float | None = None  # a span note: events from time_s to until_s may be missing


@dataclass(frozen=True)
class GaitEvents:
    """Detected events plus what was inferred to find them.

    ``direction``: ``(frames, 3)`` unit vector of progression per frame, NaN where no walking
    direction could be established. ``leg_length_units``: median pelvis height above the heels.
    """

    events: tuple[GaitEvent, ...]
    sampling_rate_hz: float
    n_frames: int
    vertical_axis: int
    up_sign: float
    direction: FloatArray
    leg_length_units: float
    config: GaitEventConfig
    omitted: tuple[OmittedEvent, ...] = ()

    def of(self, foot: Foot, event: EventKind) -> list[GaitEvent]:
        return [e for e in self.events if e.foot == foot and e.event == event]


@dataclass(frozen=True)
class _Candidate:
    """An event found in the trajectories before the checks that may leave it out."""

    foot: Foot
    kind: EventKind
    anchor: float  # sub-frame extremum of the Zeni signal
    pos: float | None  # sub-frame event, None when it cannot be timed
    prom: float
    reason: str
    u: FloatArray  # the foot's heel velocity relative to the pelvis, forward positive


def detect_vertical_axis(traj: Trajectories) -> tuple[int, float]:
    """Vertical axis and up sign: the axis along which the pelvis is farthest from the heels."""
    pelvis = traj.get("pelvis")
    heels = traj.mean_of(["left_heel", "right_heel"])
    diff = np.nanmedian(pelvis - heels, axis=0)
    if not np.isfinite(diff).all():
        raise InputError("The pelvis and heels are never visible together, so the vertical axis is unknown.")
    axis = int(np.argmax(np.abs(diff)))
    return axis, float(np.sign(diff[axis]))


def _horizontal_axes(traj: Trajectories, vertical: int) -> list[int]:
    if traj.axes.planar:
        # Image data: only the image x axis is a reliable horizontal direction.
        return [a for a in (0, 1) if a != vertical]
    return [a for a in range(3) if a != vertical]


def _pelvis_direction(pelvis: FloatArray, *, sampling_rate_hz: float, min_speed: float) -> FloatArray | None:
    """Unit direction of the pelvis's net horizontal displacement over one window ``(frames, h)``,
    or None when it is slower than ``min_speed`` (units per second) or seen in under half the window."""
    seen = np.flatnonzero(np.isfinite(pelvis).all(axis=1))
    if seen.size < max(3, pelvis.shape[0] // 2):
        return None
    net = pelvis[seen[-1]] - pelvis[seen[0]]
    span_s = (seen[-1] - seen[0]) / sampling_rate_hz
    dist = float(np.linalg.norm(net))
    if span_s <= 0 or dist / span_s < min_speed:
        return None
    return np.asarray(net / dist, dtype=np.float64)


def _window_direction(
    rel_pos: FloatArray, rel_vel: FloatArray, *, min_excursion: float, min_confidence: float
) -> FloatArray | None:
    """Unit progression direction (in the horizontal coordinates) from one window, or None.

    ``rel_pos``: ``(2, frames, h)`` both heels relative to the pelvis; ``rel_vel``: their
    velocities stacked as ``(2 * frames, h)``.
    """
    v = rel_vel[np.isfinite(rel_vel).all(axis=1)]
    if v.shape[0] < 10:
        return None
    if v.shape[1] == 1:
        axis = np.array([1.0])
    else:
        _, _, vt = np.linalg.svd(v - v.mean(axis=0), full_matrices=False)
        axis = vt[0]
    s = v @ axis
    m3, a3 = float(np.sum(s**3)), float(np.sum(np.abs(s) ** 3))
    if a3 == 0 or abs(m3) / a3 < min_confidence:
        return None
    # Each foot's own excursion: the gap between two standing feet is not a step.
    excursions = []
    for foot_pos in rel_pos:
        p = foot_pos[np.isfinite(foot_pos).all(axis=1)] @ axis
        # The signals are low-pass filtered, so max - min is not driven by single-sample noise.
        excursions.append(float(p.max() - p.min()) if p.size else 0.0)
    if max(excursions) < min_excursion:
        return None
    return np.asarray(axis * np.sign(m3), dtype=np.float64)


def _directions(
    traj: Trajectories, filtered: dict[str, FloatArray], horiz: list[int], leg: float, cfg: GaitEventConfig
) -> FloatArray:
    n = traj.n_frames
    rate = traj.sampling_rate_hz
    rel_pos = np.concatenate(
        [filtered[f"{f}_heel"][:, horiz] - filtered["pelvis"][:, horiz] for f in FEET], axis=0
    )
    rel_vel = np.gradient(rel_pos.reshape(2, n, -1), axis=1) * rate
    half = max(round(cfg.direction_window_s * rate / 2), 5)
    step = max(round(0.25 * rate), 1)
    centres = list(range(0, n, step))
    dirs = np.full((len(centres), len(horiz)), np.nan)
    pelvis = filtered["pelvis"][:, horiz]
    for k, c in enumerate(centres):
        a, b = max(0, c - half), min(n, c + half + 1)
        walked = _pelvis_direction(
            pelvis[a:b], sampling_rate_hz=rate, min_speed=cfg.min_progression_leg_lengths_per_s * leg
        )
        if walked is not None:
            # The feet must still make steps: a subject carried or panned past is not walking.
            excursion = max(
                float(np.ptp(f[np.isfinite(f).all(axis=1)] @ walked))
                if np.isfinite(f).all(axis=1).any()
                else 0.0
                for f in rel_pos.reshape(2, n, -1)[:, a:b]
            )
            if excursion >= cfg.min_excursion_leg_lengths * leg:
                dirs[k] = walked
            continue
        d = _window_direction(
            rel_pos.reshape(2, n, -1)[:, a:b],
            rel_vel[:, a:b].reshape(-1, len(horiz)),
            min_excursion=cfg.min_excursion_leg_lengths * leg,
            min_confidence=cfg.min_direction_confidence,
        )
        if d is not None:
            dirs[k] = d
    # A direction that reverses between neighbouring windows is a turn: leave both undecided so
    # the sign flip cannot masquerade as a heel or toe extremum.
    flips = np.flatnonzero(np.einsum("ij,ij->i", dirs[:-1], dirs[1:]) < 0.5)
    dirs[flips] = np.nan
    dirs[flips + 1] = np.nan
    # Each frame takes the direction of its nearest window centre.
    nearest = np.clip(np.rint(np.arange(n) / step).astype(int), 0, len(centres) - 1)
    per_frame = dirs[nearest]
    known = np.isfinite(per_frame).all(axis=1)
    out = np.full((n, 3), np.nan)
    out[known] = 0.0
    out[np.ix_(known, np.asarray(horiz))] = per_frame[known]
    return out


def _median_stride_s(
    anchors_per_foot: list[list[float]], *, rate: float, cfg: GaitEventConfig
) -> float | None:
    """The walker's median stride: the intervals between each foot's successive heel maxima
    (frames) that are strides (``min_stride_s`` to ``max_stride_s``), not stops; None without one."""
    strides = [(b - a) / rate for anchors in anchors_per_foot for a, b in pairwise(sorted(anchors))]
    strides = [t for t in strides if cfg.min_stride_s <= t <= cfg.max_stride_s]
    return float(np.median(strides)) if strides else None


def _gap_reason(
    unseen: dict[str, BoolArray],
    foot: str,
    kind: str,
    first: float,
    last: float,
    *,
    sampling_rate_hz: float,
    margin_frames: float,
    min_gap_frames: int,
) -> str | None:
    """Why an event of ``foot`` and ``kind`` found between frames ``first`` and ``last`` cannot be
    timed: a run of its heel (a contact) or toe (a toe-off) unseen near it; None when it was seen."""
    point = "heel" if kind == "initial_contact" else "toe"
    hole = gap_near(
        unseen[f"{foot}_{point}"], first, last, margin_frames=margin_frames, min_gap_frames=min_gap_frames
    )
    if hole is None:
        return None
    return (
        f"the {foot} {point} was not seen from {hole[0] / sampling_rate_hz:.2f} to "
        f"{hole[1] / sampling_rate_hz:.2f} s, so its timing would be a guess"
    )


def _refine(y: FloatArray, i: int) -> float:
    """Sub-frame position of the extremum at ``i`` from a parabola through its neighbours."""
    if i <= 0 or i >= y.size - 1 or not np.isfinite(y[i - 1 : i + 2]).all():
        return float(i)
    a, b, c = y[i - 1], y[i], y[i + 1]
    den = a - 2 * b + c
    if den == 0:
        return float(i)
    return float(i + np.clip(0.5 * (a - c) / den, -0.5, 0.5))


def _peaks(
    y: FloatArray, *, min_drop: float, window: int, distance: int, sampling_rate_hz: float
) -> list[tuple[float, float]]:
    """(sub-frame position, prominence) of the maxima of ``y`` (NaN-separated runs) that are steps.

    A maximum counts when, within ``window`` frames, ``y`` falls by ``min_drop`` on one side and by a
    quarter of it on the other, or at all on a side that the start or end of the recording cuts
    short. Unlike scipy's prominence, this keeps a peak near the edges of a recording.
    """
    out: list[tuple[float, float]] = []
    yy = np.where(np.isfinite(y), y, -np.inf)
    idx, _ = find_peaks(yy, distance=distance)
    for i in idx:
        if not np.isfinite(y[i]):
            continue
        left = y[max(0, i - window) : i]
        right = y[i + 1 : i + window + 1]
        # Stop each side at the first gap: a drop must be seen, not assumed across missing data.
        left = left[np.flatnonzero(~np.isfinite(left))[-1] + 1 :] if (~np.isfinite(left)).any() else left
        right = right[: np.flatnonzero(~np.isfinite(right))[0]] if (~np.isfinite(right)).any() else right
        ld = y[i] - left.min() if left.size else 0.0
        rd = y[i] - right.min() if right.size else 0.0
        # A side that the recording's first or last frame cuts short to under 0.1 s (not a gap,
        # not a stretch without walking direction) need only fall: the extremum itself is in the
        # data. Farther from the edge a real step's side falls by the quarter anyway (the heel
        # swings at about twice the walking speed), and standing before the first step does not.
        edge = max(2, round(0.1 * sampling_rate_hz))
        cut = (ld < rd and left.size == i < edge) or (rd < ld and right.size == y.size - 1 - i < edge)
        if max(ld, rd) >= min_drop and (min(ld, rd) >= 0.25 * min_drop or (cut and min(ld, rd) > 0)):
            out.append((_refine(y, int(i)), float(max(ld, rd))))
    return out


def _hampel_inside(x: FloatArray, *, half_window_frames: int) -> FloatArray:
    """Hampel-cleaned ``x``, except in the first and last ``half_window_frames`` frames: there the
    window is one-sided, and a foot moving fast at the edge of the recording (a toe-off just
    before the end) differs from that window's median by more than its spread, so real samples
    would be replaced and the event erased."""
    cleaned = hampel(x, half_window_frames=half_window_frames)[0]
    k = min(half_window_frames, x.shape[0] // 2)
    cleaned[:k] = x[:k]
    cleaned[x.shape[0] - k :] = x[x.shape[0] - k :]
    return cleaned


def _start_anchor(y: FloatArray, *, min_drop: float, window: int) -> tuple[float, float] | None:
    """The first frame with data as a maximum of ``y`` when ``y`` falls from it by a step: the
    maximum lies at or before the start of the data (a contact may still follow within them)."""
    seen = np.flatnonzero(np.isfinite(y))
    if seen.size < 3:
        return None
    s = int(seen[0])
    if not np.isfinite(y[s + 1]) or y[s + 1] >= y[s]:
        return None
    right = y[s + 1 : s + window + 1]
    right = right[: np.flatnonzero(~np.isfinite(right))[0]] if (~np.isfinite(right)).any() else right
    drop = float(y[s] - right.min())
    return (float(s), drop) if drop >= min_drop else None


def detect_gait_events(
    traj: Trajectories,
    *,
    config: GaitEventConfig | None = None,
    vertical_axis: int | None = None,
    up_sign: float | None = None,
    direction: tuple[int, float] | None = None,
) -> GaitEvents:
    """Initial contacts and toe-offs of both feet.

    ``traj`` must have the points ``left_heel``, ``right_heel``, ``left_toe``, ``right_toe`` and
    ``pelvis`` (``(frames, 3)``, NaN = not seen). The vertical axis is detected as the axis
    separating pelvis and heels unless ``vertical_axis``/``up_sign`` are given. The direction of
    progression is estimated per window (see the module docstring) unless ``direction`` =
    ``(axis, sign)`` fixes it, e.g. ``(0, -1.0)`` for walking towards -x. Events are reported with
    their frame (rounded) and sub-frame time in seconds from the first frame.
    """
    cfg = config or GaitEventConfig()
    missing = [p for p in GAIT_POINTS if p not in traj.points]
    if missing:
        raise InputError(
            f"Gait events need the points {', '.join(GAIT_POINTS)}; missing: {', '.join(missing)}."
        )
    rate, n = traj.sampling_rate_hz, traj.n_frames
    if rate < cfg.min_sampling_rate_hz:
        raise InputError(
            f"Gait events need at least {cfg.min_sampling_rate_hz:g} frames per second; this recording has "
            f"{rate:g}, so a frame lasts longer than the time within which a heel strike must be placed."
        )
    if n < 3:
        raise InputError("The recording is too short to find gait events (fewer than 3 frames).")
    if vertical_axis is None:
        vertical_axis, detected_sign = detect_vertical_axis(traj)
        up_sign = detected_sign if up_sign is None else up_sign
    up = 1.0 if up_sign is None else float(up_sign)
    gap = round(cfg.max_gap_s * rate)
    raw = {p: traj.get(p) for p in GAIT_POINTS}
    if cfg.hampel_half_window_s is not None:
        half_window = max(1, round(cfg.hampel_half_window_s * rate))
        raw = {p: _hampel_inside(v, half_window_frames=half_window) for p, v in raw.items()}
    filtered = {
        p: lowpass(
            raw[p],
            sampling_rate_hz=rate,
            cutoff_hz=cfg.cutoff_hz,
            order=cfg.filter_order,
            max_gap_frames=gap,
        )
        for p in GAIT_POINTS
    }
    heights = filtered["pelvis"][:, vertical_axis] - 0.5 * (
        filtered["left_heel"][:, vertical_axis] + filtered["right_heel"][:, vertical_axis]
    )
    leg = float(np.nanmedian(heights * up))
    if not np.isfinite(leg) or leg <= 0:
        raise InputError("The pelvis is not above the heels in this recording; check the vertical axis.")
    horiz = _horizontal_axes(traj, vertical_axis)
    if direction is not None:
        axis, sign = direction
        if axis == vertical_axis:
            raise InputError("The walking direction cannot be the vertical axis.")
        dirs = np.zeros((n, 3))
        dirs[:, axis] = np.sign(sign) or 1.0
    else:
        dirs = _directions(traj, filtered, horiz, leg, cfg)
    window = round(0.8 * rate)
    distance = max(round(cfg.min_stride_s * rate), 1)
    min_drop = cfg.min_excursion_leg_lengths * leg
    # Gaps are judged on the recorded samples, before interpolation and filtering fill them.
    unseen = {p: ~np.isfinite(traj.get(p)).all(axis=1) for p in GAIT_POINTS}
    # The filter spreads a sample over about half its period either side.
    margin = 0.5 / cfg.cutoff_hz * rate
    min_gap = max(2, round(cfg.max_event_gap_s * rate) + 1)
    gap_reason = partial(
        _gap_reason, unseen, sampling_rate_hz=rate, margin_frames=margin, min_gap_frames=min_gap
    )
    contact = partial(contact_from_anchor, sampling_rate_hz=rate, speed_fraction=cfg.contact_speed_fraction)
    u_of = {
        foot: heel_velocity(
            filtered[f"{foot}_heel"] - filtered["pelvis"],
            # Not the Hampel-cleaned samples: its one-sided window at the edges takes the fast
            # swing of the first or last frames for outliers.
            interpolate_gaps(traj.get(f"{foot}_heel") - traj.get("pelvis"), max_gap_frames=gap),
            dirs,
            sampling_rate_hz=rate,
            edge_frames=round(0.5 / cfg.cutoff_hz * rate),
        )
        for foot in FEET
    }
    refine = cfg.refine_contact_on_images or not traj.axes.planar
    first: tuple[float, float] | None = None
    candidates: list[_Candidate] = []
    speeds: list[tuple[float, float, tuple[float, float]]] = []  # anchor, stance speed, window
    stance_window = cfg.stance_window_s
    heel_maxima: list[list[float]] = []  # per foot, the frames of the heel's forward maxima
    for foot in FEET:
        other = "right" if foot == "left" else "left"
        kinds: tuple[tuple[EventKind, str, float], ...] = (
            ("initial_contact", "heel", 1.0),
            ("toe_off", "toe", -1.0),
        )
        for kind, point, sign in kinds:
            rel = filtered[f"{foot}_{point}"] - filtered["pelvis"]
            signal = sign * np.einsum("ij,ij->i", rel, dirs)
            # A heel strikes ahead of the other heel and a toe leaves behind the other toe, in any
            # forward walking; a pose model's glitch on the trailing foot fails this test.
            lead = sign * np.einsum(
                "ij,ij->i", rel - (filtered[f"{other}_{point}"] - filtered["pelvis"]), dirs
            )
            peaks = _peaks(signal, min_drop=min_drop, window=window, distance=distance, sampling_rate_hz=rate)
            if kind == "initial_contact":
                heel_maxima.append([a for a, _ in peaks])
            if kind == "initial_contact" and refine:
                # Set for a stride of STRIDE_S; in proportion for this foot's strides.
                scale = (_median_stride_s(heel_maxima[-1:], rate=rate, cfg=cfg) or STRIDE_S) / STRIDE_S
                stance_window = (cfg.stance_window_s[0] * scale, cfg.stance_window_s[1] * scale)
                first = _start_anchor(signal, min_drop=min_drop, window=window)
                if first is not None and (not peaks or peaks[0][0] - first[0] > distance):
                    peaks.insert(0, first)
            for anchor, prom in peaks:
                if lead[round(anchor)] <= 0:  # False for NaN: unknown placement does not reject
                    continue
                if kind == "toe_off" or not refine:
                    candidates.append(_Candidate(foot, kind, anchor, anchor, prom, "", u_of[foot]))
                    continue
                pos, speed, reason = contact(u_of[foot], anchor, stance_window_s=stance_window)
                if pos is not None and first is not None and anchor == first[0] and pos <= anchor:
                    pos, reason = None, LANDED_BEFORE_START
                if speed is not None and pos is not None:
                    speeds.append((anchor, speed, stance_window))
                candidates.append(_Candidate(foot, kind, anchor, pos, prom, reason, u_of[foot]))
    events: list[tuple[GaitEvent, float]] = []
    omitted: list[OmittedEvent] = []
    for c in candidates:
        pos, reason = c.pos, c.reason
        if pos is None and reason == CUT_OFF and speeds:
            # Walking speed changes little within a stride: the nearest contact's stance speed
            # stands in for a stance the recording cuts off.
            nearest = min(speeds, key=lambda s: abs(s[0] - c.anchor))
            if abs(nearest[0] - c.anchor) <= 2 * window:
                pos, _, reason = contact(c.u, c.anchor, stance_window_s=nearest[2], fallback_speed=nearest[1])
        where = c.anchor if pos is None else pos
        unseen_reason = gap_reason(c.foot, c.kind, min(c.anchor, where), max(c.anchor, where))
        if unseen_reason is not None:
            pos, reason = None, unseen_reason
        if pos is None:
            omitted.append(OmittedEvent(c.foot, c.kind, round(where), where / rate, reason))
            continue
        events.append((GaitEvent(foot=c.foot, event=c.kind, frame=round(pos), time_s=pos / rate), c.prom))
    spans = _standing(filtered, horiz, leg, rate)
    stride_s = _median_stride_s(heel_maxima, rate=rate, cfg=cfg) or STRIDE_S
    if not traj.axes.planar:
        # Video frames are the camera's, which need not be the ground's (a panning camera).
        events += _ground_events(
            filtered, spans, events, gap_reason, horiz, leg, rate, cfg, omitted, stride_s
        )
    contacts, duplicates = merge_duplicate_contacts([e for e in events if e[0].event == "initial_contact"])
    events = contacts + [e for e in events if e[0].event == "toe_off"]
    return GaitEvents(
        # A duplicate strike did not happen, so unlike other omitted events it does not separate
        # the events around it in the alternation.
        events=tuple(_alternate(events, omitted)),
        sampling_rate_hz=rate,
        n_frames=n,
        vertical_axis=vertical_axis,
        up_sign=up,
        direction=dirs,
        leg_length_units=leg,
        config=cfg,
        omitted=tuple(
            sorted(
                omitted + duplicates + _stop_notes(spans, n, events, rate, stride_s),
                key=lambda o: o.time_s,
            )
        ),
    )


def _standing(
    filtered: dict[str, FloatArray], horiz: list[int], leg: float, rate: float
) -> list[tuple[int, int]]:
    """Standing spans (:mod:`analysis.gait.standing`): pelvis and both heels still."""
    speeds = [
        velocities.speed(filtered[p][:, horiz], sampling_rate_hz=rate)
        for p in ("pelvis", "left_heel", "right_heel")
    ]
    return standing_spans(speeds, sampling_rate_hz=rate, max_speed=0.1 * leg)


def _ground_events(
    filtered: dict[str, FloatArray],
    spans: list[tuple[int, int]],
    events: list[tuple[GaitEvent, float]],
    gap_reason: Callable[[str, str, float, float], str | None],
    horiz: list[int],
    leg: float,
    rate: float,
    cfg: GaitEventConfig,
    omitted: list[OmittedEvent],
    stride_s: float,
) -> list[tuple[GaitEvent, float]]:
    """The contacts into standing and toe-offs out of it that the extrema miss
    (:mod:`analysis.gait.ground_frame`), where no event of that foot and kind is within a stride
    and no marker gap makes the timing a guess (then an omitted note, appended to ``omitted``)."""
    found: list[tuple[GaitEvent, float]] = []
    for g in events_around_standing(
        filtered,
        spans,
        horiz=horiz,
        sampling_rate_hz=rate,
        window_frames=round(stride_s * rate),
        min_step=cfg.min_excursion_leg_lengths * leg,
    ):
        if any(
            e.foot == g.foot and e.event == g.kind and abs(e.time_s * rate - g.pos) < cfg.min_stride_s * rate
            for e, _ in events
        ):
            continue
        reason = gap_reason(g.foot, g.kind, g.pos, g.pos)
        if reason is not None:
            omitted.append(OmittedEvent(g.foot, g.kind, round(g.pos), g.pos / rate, reason))  # type: ignore[arg-type]
            continue
        # Below every extremum's prominence: where the two methods disagree, the extremum stays.
        event = GaitEvent(g.foot, g.kind, round(g.pos), g.pos / rate, method=GROUND_SPEED)  # type: ignore[arg-type]
        found.append((event, 0.0))
    return found


def _stop_notes(
    spans: list[tuple[int, int]], n: int, events: list[tuple[GaitEvent, float]], rate: float, stride_s: float
) -> list[OmittedEvent]:
    """Span notes for the events around standing that neither method times
    (:mod:`analysis.gait.standing`); none for a foot and kind with an event in the span."""
    notes: list[OmittedEvent] = []
    for a, b, kinds, reason in transition_spans(spans, n_frames=n, sampling_rate_hz=rate, stride_s=stride_s):
        for foot in FEET:
            for kind in kinds:
                if any(e.foot == foot and e.event == kind and a <= e.time_s * rate <= b for e, _ in events):
                    continue
                notes.append(OmittedEvent(foot, kind, a, a / rate, reason, until_s=b / rate))  # type: ignore[arg-type]
    return notes


def _alternate(events: list[tuple[GaitEvent, float]], omitted: list[OmittedEvent]) -> list[GaitEvent]:
    """Per foot, contacts and toe-offs must alternate; of two in a row keep the more prominent.

    An omitted event still happened: it separates the events on either side of it (two toe-offs
    around an untimed contact are both kept).
    """
    kept: list[GaitEvent] = []
    for foot in FEET:
        seq: list[tuple[GaitEvent | OmittedEvent, float]] = [e for e in events if e[0].foot == foot]
        seq += [(o, -np.inf) for o in omitted if o.foot == foot]
        seq.sort(key=lambda e: e[0].time_s)
        out: list[tuple[GaitEvent | OmittedEvent, float]] = []
        for e in seq:
            if out and out[-1][0].event == e[0].event:
                if e[1] > out[-1][1]:
                    out[-1] = e
                continue
            out.append(e)
        kept.extend(e for e, _ in out if isinstance(e, GaitEvent))
    return sorted(kept, key=lambda e: e.time_s)
