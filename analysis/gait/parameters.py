"""Temporal and spatial gait parameters from detected events.

Definitions (Perry & Burnfield 2010, Gait Analysis):

* step time of a foot: from the other foot's initial contact to this foot's next contact;
* stride time: between consecutive contacts of the same foot;
* stance: contact to the same foot's toe-off; swing: toe-off to its next contact;
* double support after a contact: from that contact to the other foot's toe-off (loading
  response); total double support per stride is the sum of the two;
* step length of a foot: distance along the walking direction from the trailing heel to this
  heel at its contact (valid on a treadmill too, as it is measured relative to the other foot);
  stride length = the sum of two consecutive steps; gait speed = stride length / stride time.

Intervals are only formed inside one walking bout: both ends must share a known walking
direction and the interval must be of a plausible length. A step is formed only between
consecutive contacts of alternating feet that make a plausible step (:mod:`analysis.gait.steps`);
the intervals left out are in ``GaitParameters.omitted_steps`` with the reason.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from analysis.gait.events import FEET, Foot, GaitEvent, GaitEvents
from analysis.gait.norms import ASYMMETRY_LIMITS, GaitFlag, NormComparison, compare_with_norms
from analysis.gait.scale import Scale
from analysis.gait.steps import OmittedStep, step_reason
from analysis.gait.symmetry import Stats, Symmetry, stats, symmetry
from analysis.types import Trajectories

_MAX_STEP_S = 2.0
_MAX_STRIDE_S = 3.5


@dataclass(frozen=True)
class Sided:
    """One parameter per side and pooled over both."""

    left: Stats
    right: Stats
    both: Stats


@dataclass(frozen=True)
class GaitParameters:
    step_time_s: Sided
    stride_time_s: Sided
    stance_time_s: Sided
    swing_time_s: Sided
    double_support_time_s: Sided
    stance_pct: float
    swing_pct: float
    double_support_pct: float
    cadence_steps_per_min: float
    step_length_m: Sided | None
    stride_length_m: Sided | None
    gait_speed_m_per_s: float
    scale: Scale | None
    symmetry: dict[str, Symmetry]
    flags: list[GaitFlag]
    norms: list[NormComparison]
    n_steps: int
    step_lengths_units: dict[str, list[float]] = field(default_factory=dict)
    omitted_steps: tuple[OmittedStep, ...] = ()
    """Intervals between contacts that are not steps, with the reason (:mod:`analysis.gait.steps`)."""


def _sided(values: dict[Foot, list[float]]) -> Sided:
    return Sided(
        left=stats(values["left"]), right=stats(values["right"]), both=stats(values["left"] + values["right"])
    )


def _same_bout(ev: GaitEvents, a: GaitEvent, b: GaitEvent) -> bool:
    da, db = ev.direction[a.frame], ev.direction[b.frame]
    if not (np.isfinite(da).all() and np.isfinite(db).all()):
        return False
    seg = ev.direction[a.frame : b.frame + 1]
    return bool(np.isfinite(seg).all() and float(da @ db) > 0.5)


def _median_step(ev: GaitEvents, ics: list[GaitEvent]) -> float | None:
    """Median interval between consecutive contacts of different feet in one bout (None: none)."""
    steps = [
        b.time_s - a.time_s
        for a, b in itertools.pairwise(ics)
        if a.foot != b.foot and _same_bout(ev, a, b) and b.time_s - a.time_s < _MAX_STEP_S
    ]
    return float(np.median(steps)) if steps else None


def _next(events: list[GaitEvent], after: float, foot: Foot, kind: str) -> GaitEvent | None:
    for e in events:
        if e.time_s > after and e.foot == foot and e.event == kind:
            return e
    return None


def gait_parameters(
    ev: GaitEvents, traj: Trajectories | None = None, *, scale: Scale | None = None
) -> GaitParameters:
    """Temporal parameters from ``ev``; spatial ones too when ``traj`` (the trajectories the events
    were found in, with ``left_heel``/``right_heel``) and a ``scale`` to metres are given."""
    events = sorted(ev.events, key=lambda e: e.time_s)
    other: dict[Foot, Foot] = {"left": "right", "right": "left"}
    step: dict[Foot, list[float]] = {"left": [], "right": []}
    stride: dict[Foot, list[float]] = {"left": [], "right": []}
    stance: dict[Foot, list[float]] = {"left": [], "right": []}
    swing: dict[Foot, list[float]] = {"left": [], "right": []}
    dsup: dict[Foot, list[float]] = {"left": [], "right": []}
    step_len_u: dict[Foot, list[float]] = {"left": [], "right": []}
    stride_len_u: dict[Foot, list[float]] = {"left": [], "right": []}
    last_step_len: dict[Foot, float] = {"left": math.nan, "right": math.nan}
    ics = [e for e in events if e.event == "initial_contact"]
    median_step = _median_step(ev, ics)
    omitted_steps: list[OmittedStep] = []
    for i, e in enumerate(ics):
        f, o = e.foot, other[e.foot]
        # A step runs from the contact just before (plausibility: analysis.gait.steps).
        prev = ics[i - 1] if i > 0 else None
        reason = None
        if prev is not None and _same_bout(ev, prev, e) and e.time_s - prev.time_s < _MAX_STEP_S:
            reason = step_reason(prev.foot, f, e.time_s - prev.time_s, median_step)
            if reason is not None:
                omitted_steps.append(OmittedStep(f, e.time_s, e.time_s - prev.time_s, reason))
        if (
            prev is not None
            and reason is None
            and prev.foot == o
            and _same_bout(ev, prev, e)
            and (e.time_s - prev.time_s < _MAX_STEP_S)
        ):
            step[f].append(e.time_s - prev.time_s)
            if traj is not None:
                d = ev.direction[e.frame]
                length = float((traj.get(f"{f}_heel")[e.frame] - traj.get(f"{o}_heel")[e.frame]) @ d)
                step_len_u[f].append(length)
                if math.isfinite(last_step_len[o]):
                    stride_len_u[f].append(length + last_step_len[o])
                last_step_len[f] = length
        else:
            last_step_len[f] = math.nan
        nxt = _next(events, e.time_s, f, "initial_contact")
        if nxt and _same_bout(ev, e, nxt) and nxt.time_s - e.time_s < _MAX_STRIDE_S:
            stride[f].append(nxt.time_s - e.time_s)
        to = _next(events, e.time_s, f, "toe_off")
        if to and (nxt is None or to.time_s < nxt.time_s) and _same_bout(ev, e, to):
            stance[f].append(to.time_s - e.time_s)
            if nxt and _same_bout(ev, to, nxt):
                swing[f].append(nxt.time_s - to.time_s)
        oto = _next(events, e.time_s, o, "toe_off")
        if oto and (to is None or oto.time_s < to.time_s) and _same_bout(ev, e, oto):
            dsup[f].append(oto.time_s - e.time_s)
    step_s, stride_s = _sided(step), _sided(stride)
    stance_s, swing_s, ds_s = _sided(stance), _sided(swing), _sided(dsup)
    cycle = stride_s.both.mean
    stance_pct = 100.0 * stance_s.both.mean / cycle if cycle else math.nan
    swing_pct = 100.0 * swing_s.both.mean / cycle if cycle else math.nan
    ds_pct = 100.0 * (ds_s.left.mean + ds_s.right.mean) / cycle if cycle else math.nan
    cadence = 60.0 / step_s.both.mean if step_s.both.n else math.nan
    step_len = stride_len = None
    speed = math.nan
    if scale is not None and traj is not None:
        k = scale.metres_per_unit
        step_len = _sided({f: [v * k for v in step_len_u[f]] for f in FEET})
        stride_len = _sided({f: [v * k for v in stride_len_u[f]] for f in FEET})
        if stride_len.both.n and stride_s.both.n:
            speed = stride_len.both.mean / stride_s.both.mean
    sym = {
        "step_time_s": symmetry(step_s.left.mean, step_s.right.mean),
        "stance_time_s": symmetry(stance_s.left.mean, stance_s.right.mean),
        "swing_time_s": symmetry(swing_s.left.mean, swing_s.right.mean),
    }
    if step_len is not None:
        sym["step_length_m"] = symmetry(step_len.left.mean, step_len.right.mean)
    norm_values = {
        "cadence_steps_per_min": cadence,
        "stance_pct": stance_pct,
        "double_support_pct": ds_pct,
    }
    if step_len is not None:
        norm_values["step_length_m"] = step_len.both.mean
        norm_values["gait_speed_m_per_s"] = speed
    return GaitParameters(
        step_time_s=step_s,
        stride_time_s=stride_s,
        stance_time_s=stance_s,
        swing_time_s=swing_s,
        double_support_time_s=ds_s,
        stance_pct=stance_pct,
        swing_pct=swing_pct,
        double_support_pct=ds_pct,
        cadence_steps_per_min=cadence,
        step_length_m=step_len,
        stride_length_m=stride_len,
        gait_speed_m_per_s=speed,
        scale=scale,
        symmetry=sym,
        flags=gait_flags(sym),
        norms=compare_with_norms(norm_values),
        n_steps=step_s.both.n,
        step_lengths_units={f: list(step_len_u[f]) for f in FEET},
        omitted_steps=tuple(omitted_steps),
    )


def gait_flags(sym: dict[str, Symmetry]) -> list[GaitFlag]:
    """Limp and uneven-loading flags from symmetry ratios over :data:`ASYMMETRY_LIMITS`.

    * ``uneven_loading``: stance-time ratio above 1.05; the side with the *shorter* stance is
      unloaded sooner (antalgic pattern) and is named.
    * ``limp``: swing-time or step-time ratio above 1.06; the side with the longer swing is named
      (the painful limb's short stance shortens the other limb's swing).
    * ``uneven_step_length``: step-length ratio above 1.08; the side with the shorter step is named.
    """
    flags: list[GaitFlag] = []
    st = sym.get("stance_time_s")
    if st and math.isfinite(st.ratio) and st.ratio > ASYMMETRY_LIMITS["stance_time_s"]:
        side: Foot = "left" if st.left < st.right else "right"
        flags.append(
            GaitFlag(
                code="uneven_loading",
                side=side,
                message=f"Shorter stance on the {side} (ratio {st.ratio:.2f}): the {side} leg carries weight for less time.",
                rule="stance-time symmetry ratio > 1.05 (Patterson et al. 2010)",
            )
        )
    sw, sp = sym.get("swing_time_s"), sym.get("step_time_s")
    for name, s, limit in (("swing", sw, "swing_time_s"), ("step", sp, "step_time_s")):
        if s and math.isfinite(s.ratio) and s.ratio > ASYMMETRY_LIMITS[limit]:
            side = "left" if s.left > s.right else "right"
            flags.append(
                GaitFlag(
                    code="limp",
                    side=side,
                    message=f"Uneven {name} times (ratio {s.ratio:.2f}), longer on the {side}: a limp.",
                    rule=f"{name}-time symmetry ratio > {ASYMMETRY_LIMITS[limit]} (Patterson et al. 2010)",
                )
            )
            break
    sl = sym.get("step_length_m")
    if sl and math.isfinite(sl.ratio) and sl.ratio > ASYMMETRY_LIMITS["step_length_m"]:
        side = "left" if sl.left < sl.right else "right"
        flags.append(
            GaitFlag(
                code="uneven_step_length",
                side=side,
                message=f"Shorter steps with the {side} foot (ratio {sl.ratio:.2f}).",
                rule="step-length symmetry ratio > 1.08 (Patterson et al. 2010)",
            )
        )
    return flags
