"""Step-time plausibility: which initial contacts and steps are walking, and which are artefacts.

A step is the time from one foot's initial contact to the other foot's next one (Perry &
Burnfield 2010). Two artefacts of event detection, on video landmarks above all, turn into steps
no person takes:

* **A duplicate strike.** The pose model briefly reads one foot as the other, so the real strike
  is followed a few frames later by an extra "strike" of the other foot: a step of 70-170 ms.
  No walking step is that short. The fastest walkers are elite race walkers at race pace, with
  cadences of 3.35 +- 0.13 Hz (men) and 3.41 +- 0.12 Hz (women) over 20 km (Hanley, Bissas &
  Drake 2011, Sports Biomechanics 10:110-124): 0.29-0.30 s per step, 0.27 s two standard
  deviations faster. :data:`MIN_STEP_S` (0.25 s) lies below all of them, so two contacts of
  different feet closer than that are one strike: the one that keeps the feet alternating with
  the neighbouring contacts is kept (ties: the more prominent extremum), the other is left out
  with the reason.
* **A missed strike.** A strike the detector does not find joins two steps into one long "step".
  Between two consecutive contacts of the same foot the other foot's contact is missing, and a
  step that lasts more than :data:`MAX_STEP_RATIO` times the median step of the recording spans
  more than one step. Such intervals are left out (with the reason), never counted as one long
  step; stride times, which run from a foot's contact to its own next one, are unaffected.

Step times, cadence and step lengths are computed from the plausible steps only
(:func:`analysis.gait.parameters.gait_parameters`), and what was left out is stated in
``GaitParameters.omitted_steps``. The rules are the same for marker data and video landmarks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analysis.gait.events import GaitEvent, OmittedEvent

#: Shortest walking step (s): below the steps of elite race walkers (module docstring).
MIN_STEP_S = 0.25
#: A step longer than this multiple of the median step spans a missed contact: with one contact
#: of each foot missing it lasts about three steps, while step times of a steady walk vary by a
#: few percent (stride-time coefficient of variation about 1-3 % in healthy adults and rarely
#: above 10 % in patients, Hausdorff 2005, J NeuroEng Rehabil 2:19).
MAX_STEP_RATIO = 1.5


@dataclass(frozen=True)
class OmittedStep:
    """A step interval ending at ``time_s`` (the contact of ``foot``) that is not a step."""

    foot: str
    time_s: float
    duration_s: float
    reason: str


def merge_duplicate_contacts(
    contacts: list[tuple[GaitEvent, float]],
) -> tuple[list[tuple[GaitEvent, float]], list[OmittedEvent]]:
    """Contacts ``(event, prominence)`` of both feet without duplicates (module docstring):
    returns the contacts kept and the ones left out as :class:`OmittedEvent` with the reason."""
    from analysis.gait.events import OmittedEvent

    seq = sorted(contacts, key=lambda c: c[0].time_s)
    kept: list[tuple[GaitEvent, float]] = []
    dropped: list[OmittedEvent] = []
    i = 0
    while i < len(seq):
        current = seq[i]
        if i + 1 < len(seq):
            nxt = seq[i + 1]
            a, b = current[0], nxt[0]
            if a.foot != b.foot and b.time_s - a.time_s < MIN_STEP_S:
                before = kept[-1][0].foot if kept else None
                after = seq[i + 2][0].foot if i + 2 < len(seq) else None
                keep, drop = _alternating(current, nxt, before=before, after=after)
                gap_ms = 1000.0 * (b.time_s - a.time_s)
                k = keep[0]
                dropped.append(
                    OmittedEvent(
                        drop[0].foot,
                        "initial_contact",
                        drop[0].frame,
                        drop[0].time_s,
                        f"{gap_ms:.0f} ms from the {k.foot} contact at {k.time_s:.2f} s, shorter than any "
                        f"walking step ({1000 * MIN_STEP_S:.0f} ms): the same strike read on the other foot",
                    )
                )
                # The kept one may still duplicate the contact after it: compare again.
                seq[i + 1] = keep
                i += 1
                continue
        kept.append(current)
        i += 1
    return kept, dropped


def _alternating(
    a: tuple[GaitEvent, float], b: tuple[GaitEvent, float], *, before: str | None, after: str | None
) -> tuple[tuple[GaitEvent, float], tuple[GaitEvent, float]]:
    """(kept, dropped) of two near contacts of different feet: the feet alternate with the
    contact before them, else with the one after, else the more prominent wins."""
    if before is not None:
        return (a, b) if a[0].foot != before else (b, a)
    if after is not None:
        return (a, b) if a[0].foot != after else (b, a)
    return (a, b) if a[1] >= b[1] else (b, a)


def step_reason(previous_foot: str, foot: str, duration_s: float, median_s: float | None) -> str | None:
    """Why the interval from a contact of ``previous_foot`` to the next contact (of ``foot``,
    ``duration_s`` later) is not a step, or None when it is one. ``median_s``: the median of
    the recording's alternating intervals (None when unknown)."""
    if previous_foot == foot:
        return (
            f"two {foot} contacts in a row: the other foot's contact between them is missing, "
            "so the interval is a stride, not a step"
        )
    if duration_s < MIN_STEP_S:
        return (
            f"{1000 * duration_s:.0f} ms, shorter than any walking step ({1000 * MIN_STEP_S:.0f} ms): "
            "one of the two contacts is not a strike"
        )
    if median_s is not None and duration_s > MAX_STEP_RATIO * median_s:
        return (
            f"{duration_s:.2f} s, more than {MAX_STEP_RATIO:g} times the median step ({median_s:.2f} s): "
            "a contact between them was not found"
        )
    return None
