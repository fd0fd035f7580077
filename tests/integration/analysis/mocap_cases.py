"""The motion-capture trials of ``../shared/data/mocap`` with their force-plate reference events.

Each trial is run the way ``manage.py gait_events`` runs a TRC file: read with
:func:`analysis.trc.read_trc`, each role the mean of its mapped markers, events from
:func:`analysis.gait.detect_gait_events`, times shifted by the file's first time stamp.

Scoring (``score``): a clean plate event is *found* when the nearest detected event of the same
foot and kind lies within ``MATCH_TOLERANCE_S`` (60 ms, the tolerance of the issue); a detected
event is *invented* when it falls inside a plate contact window of its foot (widened by the
tolerance) and matches no plate event, clean or flagged.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.gait import GaitEvent, GaitEvents, detect_gait_events
from analysis.markers import role_trajectories
from analysis.trc import read_trc
from analysis.types import Trajectories
from clinic.validation.cases import OPENSIM_TRIALS

MATCH_TOLERANCE_S = 0.06

# The OpenSim example trials' marker names, as the validation report reads them.
OLD_TRIALS = OPENSIM_TRIALS


@dataclass(frozen=True)
class PlateEvent:
    foot: str
    event: str
    time_s: float
    clean: bool


@dataclass(frozen=True)
class Case:
    """One trial: gait trajectories, the file's first time stamp, plate events and the windows
    ``(foot, start_s, end_s)`` during which the plates watched a foot."""

    name: str
    traj: Trajectories
    t0_s: float
    plate: tuple[PlateEvent, ...]
    windows: tuple[tuple[str, float, float], ...]


def all_trials(shared_data: Path) -> list[str]:
    multilab = sorted(p.name for p in (shared_data / "mocap" / "multilab").iterdir() if p.is_dir())
    return sorted(OLD_TRIALS) + [f"multilab/{m}" for m in multilab]


def _gait_traj(path: Path, roles: dict[str, list[str]]) -> tuple[Trajectories, float]:
    trc = read_trc(path)
    # As the gait_events command does: a role given several markers is their centre.
    return role_trajectories(trc.trajectories, roles, source=path.name), float(trc.time_s[0])


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _window_end(contact: dict[str, str]) -> float:
    """End of the span in which a plate saw only this foot: a flagged contact that the other
    foot joins ("other_foot_from_2.190s") says nothing about this foot after that time."""
    end = float(contact["to_s"] or contact["end_s"])
    for flag in contact.get("flags", "").split("|"):
        if flag.startswith("other_foot_from_"):
            end = min(end, float(flag.removeprefix("other_foot_from_").removesuffix("s")))
    return end


def load_case(shared_data: Path, trial: str) -> Case:
    folder = shared_data / "mocap" / trial
    if trial in OLD_TRIALS:
        name, roles = OLD_TRIALS[trial]
        traj, t0 = _gait_traj(folder / name, roles)
        rows = _read_csv(folder / "gait_events_from_grf.csv")
        plate = tuple(PlateEvent(r["foot"], r["event"], float(r["time_s"]), True) for r in rows)
        if trial == "gait2354_treadmill_walk":
            # Both feet are on force measurement for the whole trial.
            end = t0 + traj.n_frames / traj.sampling_rate_hz
            windows = (("left", t0, end), ("right", t0, end))
        else:
            windows = tuple(
                (
                    foot,
                    min(e.time_s for e in plate if e.foot == foot),
                    max(e.time_s for e in plate if e.foot == foot),
                )
                for foot in ("left", "right")
            )
        return Case(trial, traj, t0, plate, windows)
    meta = json.loads((folder / "case.json").read_text())
    traj, t0 = _gait_traj(folder / "markers.trc", meta["map"])
    rows = _read_csv(folder / "ref_forceplate_events.csv")
    plate = tuple(PlateEvent(r["foot"], r["event"], float(r["time_s"]), r["status"] == "clean") for r in rows)
    windows = tuple(
        (c["foot"], float(c["ic_s"] or c["start_s"]), _window_end(c))
        for c in _read_csv(folder / "plate_contacts.csv")
    )
    return Case(trial, traj, t0, plate, windows)


@dataclass(frozen=True)
class Score:
    name: str
    errors_s: dict[str, list[float]]  # per event kind, signed detected - plate, found events only
    missed: list[PlateEvent]
    invented: list[GaitEvent]

    def line(self) -> str:
        parts = [f"{self.name:45s}"]
        for kind in ("initial_contact", "toe_off"):
            e = np.asarray(self.errors_s[kind]) * 1000
            parts.append(
                f"{'IC' if kind == 'initial_contact' else 'TO'} n={e.size:2d} "
                + (f"MAE {np.mean(np.abs(e)):5.1f} bias {np.mean(e):+6.1f} ms" if e.size else "-" * 22)
            )
        parts.append(f"missed {len(self.missed)} invented {len(self.invented)}")
        return "  ".join(parts)


def score(case: Case, result: GaitEvents, *, time_offset_s: float | None = None) -> Score:
    offset = case.t0_s if time_offset_s is None else time_offset_s
    detected = [(d, d.time_s + offset) for d in result.events]
    errors: dict[str, list[float]] = {"initial_contact": [], "toe_off": []}
    missed: list[PlateEvent] = []
    matched: set[GaitEvent] = set()
    for e in case.plate:
        cands = [(d, t) for d, t in detected if d.foot == e.foot and d.event == e.event]
        best = min(cands, key=lambda c: abs(c[1] - e.time_s), default=None)
        if best is not None and abs(best[1] - e.time_s) < MATCH_TOLERANCE_S:
            matched.add(best[0])
            if e.clean:
                errors[e.event].append(best[1] - e.time_s)
        elif e.clean:
            missed.append(e)
    invented = [
        d
        for d, t in detected
        if d not in matched
        and any(
            foot == d.foot and a - MATCH_TOLERANCE_S <= t <= b + MATCH_TOLERANCE_S
            for foot, a, b in case.windows
        )
    ]
    return Score(case.name, errors, missed, invented)


def pooled(scores: list[Score]) -> dict[str, tuple[int, float, float]]:
    """Per event kind: (found, MAE ms, bias ms) over every trial."""
    out = {}
    for kind in ("initial_contact", "toe_off"):
        e = np.asarray([x for s in scores for x in s.errors_s[kind]]) * 1000
        out[kind] = (int(e.size), float(np.mean(np.abs(e))), float(np.mean(e)))
    return out


def run_all(
    shared_data: Path, detect: Callable[[Trajectories], GaitEvents] = detect_gait_events
) -> list[Score]:
    return [score(c, detect(c.traj)) for c in (load_case(shared_data, t) for t in all_trials(shared_data))]


if __name__ == "__main__":  # a development report: python -m tests.integration.analysis.mocap_cases
    data = Path(__file__).resolve().parents[3].parent / "shared" / "data"
    scores = run_all(data)
    for s in scores:
        print(s.line())
        for m in s.missed:
            print("    missed", m)
        for i in s.invented:
            print("    invented", i)
    for kind, (n, mae, bias) in pooled(scores).items():
        print(f"pooled {kind}: found {n}, MAE {mae:.1f} ms, bias {bias:+.1f} ms")
    print("missed", sum(len(s.missed) for s in scores), "invented", sum(len(s.invented) for s in scores))
