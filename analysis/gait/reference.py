"""Detected gait events against reference events (a lab's own labels or force-plate events).

Each reference event is paired with the detected event of the same foot and kind nearest in
time, if one lies within ``window_s``; the difference is ``detected - reference`` (positive =
the detector is late). The default window, 0.2 s, is under half the shortest stance or swing
of walking (about 0.4 s; Perry & Burnfield 2010, Gait Analysis, ch. 1), so a pair can never be
the neighbouring cycle's event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from analysis.gait.events import GaitEvent


@dataclass(frozen=True)
class Pairing:
    foot: str
    event: str
    reference_s: float
    detected_s: float | None

    @property
    def difference_s(self) -> float | None:
        return None if self.detected_s is None else self.detected_s - self.reference_s


def pair_events(
    reference: Iterable[tuple[str, str, float]],
    detected: Iterable[GaitEvent],
    *,
    detected_offset_s: float,
    window_s: float = 0.2,
) -> list[Pairing]:
    """Pair ``(foot, event, time_s)`` references with detected events (their times + ``detected_offset_s``)."""
    found = [(e.foot, e.event, e.time_s + detected_offset_s) for e in detected]
    out = []
    for foot, kind, t in reference:
        near = [d for f, k, d in found if f == foot and k == kind and abs(d - t) <= window_s]
        best = min(near, key=lambda d: abs(d - t)) if near else None
        out.append(Pairing(foot=foot, event=kind, reference_s=t, detected_s=best))
    return out


def error_summary(pairs: Iterable[Pairing]) -> dict[str, dict[str, float | int | None]]:
    """Per event kind: references, matched, and mean / mean-absolute / max-absolute error in ms."""
    out: dict[str, dict[str, float | int | None]] = {}
    pairs = list(pairs)
    for kind in ("initial_contact", "toe_off"):
        of_kind = [p for p in pairs if p.event == kind]
        diffs = np.array([p.difference_s for p in of_kind if p.difference_s is not None], dtype=np.float64)
        out[kind] = {
            "n_reference": len(of_kind),
            "n_matched": int(diffs.size),
            "mean_ms": round(float(diffs.mean()) * 1000, 1) if diffs.size else None,
            "mean_abs_ms": round(float(np.abs(diffs).mean()) * 1000, 1) if diffs.size else None,
            "max_abs_ms": round(float(np.abs(diffs).max()) * 1000, 1) if diffs.size else None,
        }
    return out
