"""Reference gait events from force plates: the vertical force crossing a threshold.

Method (the convention of the project's reference files, ``../shared/data/MANIFEST.md``):

1. The vertical ground reaction force of each plate is low-pass filtered (4th-order Butterworth
   at ``cutoff_hz``, run forward and backward so it adds no lag; the cutoff is the design cutoff
   of one pass), after subtracting the plate's unloaded baseline (median of the samples below the
   threshold). Threshold and cutoff move the detected instants by a few milliseconds (Tirosh &
   Sparrow 2003, J Appl Biomech 19:178-184); 20 N is the usual compromise between noise and
   delay (e.g. Zeni et al. 2008, Gait Posture 27:710-714, validate against a force threshold).
2. A contact is a run of samples above ``threshold_n`` lasting at least ``min_contact_s``; initial
   contact and toe-off are the upward and downward crossings, linearly interpolated between the
   two analog samples around them. A contact already loaded at the first sample has no initial
   contact, one still loaded at the last sample no toe-off (censored).
3. The foot is the one whose heel marker lies over the plate (inside its corners) at initial
   contact; when neither or both do, the foot whose heel-toe midpoint is nearest the centre of
   pressure over the first ``cop_window_s`` of the contact.
4. An event is ``flagged`` (not a clean reference) when, at its instant, the other foot also
   stands on the plate (heel or toe marker over the plate, within ``on_floor_height_m`` of its
   surface and moving horizontally slower than ``standing_speed_m_s``), or when the foot is partly off the plate (heel marker outside the corners at initial
   contact, toe marker outside at toe-off): the force is then not that foot's alone.

Lengths are metres and times seconds on the recording's clock; ``markers`` must be in the same
lab frame as the plates (as :func:`analysis.c3d.read_c3d` returns both).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, filtfilt

from analysis.c3d import ForcePlate
from analysis.types import FloatArray, InputError, Trajectories

_FEET = ("left", "right")


@dataclass(frozen=True)
class ForcePlateConfig:
    """Thresholds of :func:`forceplate_events` (see the module docstring for their sources)."""

    threshold_n: float = 20.0
    cutoff_hz: float = 50.0
    # Shorter loadings are knocks or a toe brushing the plate; running stance lasts ~0.2 s
    # (Novacheck 1998, Gait Posture 7:77-95), walking stance 0.5-0.7 s.
    min_contact_s: float = 0.1
    # Shod heel and toe markers stand 2-5 cm above the floor in stance; 8 cm leaves room for the
    # heel rising in pre-swing while excluding a foot swinging over the plate at mid-swing height.
    on_floor_height_m: float = 0.08
    # A foot swinging low over the plate is not standing on it: the swing foot moves at 2-3 times
    # the walking speed (about 3-4 m/s at mid-swing, Winter 1992, Phys Ther 72:45-53), a loaded
    # heel or toe almost not at all.
    standing_speed_m_s: float = 1.0
    cop_window_s: float = 0.1


@dataclass(frozen=True)
class PlateContact:
    """One loading of one plate. ``ic_s``/``to_s`` are None when censored at the recording's edge.

    ``heel_at_ic_m``: signed horizontal distance of the foot's heel marker from the plate outline
    at initial contact (negative = inside). ``other_foot_from_s``: first marker frame of the
    contact at which the other foot stands on the plate (None if it never does).
    """

    contact_id: str
    plate: int
    foot: str
    ic_s: float | None
    to_s: float | None
    peak_n: float
    baseline_n: float
    heel_at_ic_m: float
    other_foot_from_s: float | None
    ic_status: str
    to_status: str
    flags: tuple[str, ...]


@dataclass(frozen=True)
class ForcePlateEvent:
    foot: str
    event: str
    time_s: float
    plate: int
    contact_id: str
    status: str


def _vertical_force(
    plate: ForcePlate, *, vertical: int, up_sign: float, config: ForcePlateConfig
) -> FloatArray:
    fz = plate.force_n[:, vertical] * up_sign
    fz = np.where(np.isfinite(fz), fz, 0.0)
    if config.cutoff_hz < 0.5 * plate.sampling_rate_hz:
        # Below Nyquist only; forces already resampled to a low rate cannot hold higher content.
        b, a = butter(4, config.cutoff_hz / (0.5 * plate.sampling_rate_hz))
        fz = filtfilt(b, a, fz)
    return np.asarray(fz, dtype=np.float64)


def _inside_distance(point_xy: FloatArray, corners_xy: FloatArray) -> float:
    """Signed distance (m) from a point to a convex plate outline: negative inside, positive outside."""
    centre = corners_xy.mean(axis=0)
    order = np.argsort(np.arctan2(corners_xy[:, 1] - centre[1], corners_xy[:, 0] - centre[0]))
    poly = corners_xy[order]
    worst = -np.inf
    for i in range(len(poly)):
        a, b = poly[i], poly[(i + 1) % len(poly)]
        edge = b - a
        normal = np.array([edge[1], -edge[0]]) / np.hypot(*edge)  # outward for counter-clockwise order
        worst = max(worst, float(np.dot(point_xy - a, normal)))
    return worst


class _Feet:
    """Marker positions of both feet sampled at given times, in the plate's horizontal plane."""

    def __init__(self, markers: Trajectories, *, start_time_s: float, vertical: int) -> None:
        self.markers = markers
        self.start_time_s = start_time_s
        self.vertical = vertical
        self.horizontal = [i for i in range(3) if i != vertical]

    def at(self, role: str, time_s: float) -> FloatArray:
        frame = round((time_s - self.start_time_s) * self.markers.sampling_rate_hz)
        frame = min(max(frame, 0), self.markers.n_frames - 1)
        return np.asarray(self.markers.get(role)[frame], dtype=np.float64)

    def speed(self, role: str, time_s: float) -> float:
        """Horizontal speed (m/s) by central difference over the frames either side."""
        rate = self.markers.sampling_rate_hz
        frame = round((time_s - self.start_time_s) * rate)
        lo, hi = max(frame - 1, 0), min(frame + 1, self.markers.n_frames - 1)
        if hi == lo:
            return float("nan")
        xyz = self.markers.get(role)
        step = (xyz[hi] - xyz[lo])[self.horizontal]
        return float(np.hypot(*step) * rate / (hi - lo))

    def over(self, role: str, time_s: float, plate: ForcePlate) -> float:
        p = self.at(role, time_s)
        if not np.all(np.isfinite(p)):
            return float("nan")
        return _inside_distance(p[self.horizontal], plate.corners_m[:, self.horizontal])

    def on_plate(
        self, foot: str, time_s: float, plate: ForcePlate, *, config: ForcePlateConfig, up: float
    ) -> bool:
        surface = float(np.mean(plate.corners_m[:, self.vertical])) * up
        for part in ("heel", "toe"):
            p = self.at(f"{foot}_{part}", time_s)
            inside = self.over(f"{foot}_{part}", time_s, plate) <= 0.0
            low = p[self.vertical] * up - surface <= config.on_floor_height_m
            if inside and low and self.speed(f"{foot}_{part}", time_s) < config.standing_speed_m_s:
                return True
        return False


def _other_foot_from(
    feet: _Feet, other: str, plate: ForcePlate, *, t0: float, t1: float, config: ForcePlateConfig, up: float
) -> float | None:
    rate = feet.markers.sampling_rate_hz
    first = math.ceil((t0 - feet.start_time_s) * rate)
    last = math.floor((t1 - feet.start_time_s) * rate)
    for frame in range(max(first, 0), min(last, feet.markers.n_frames - 1) + 1):
        time_s = feet.start_time_s + frame / rate
        if feet.on_plate(other, time_s, plate, config=config, up=up):
            return time_s
    return None


def _crossing(t: FloatArray, f: FloatArray, k: int, threshold_n: float) -> float:
    """Time where ``f`` crosses ``threshold_n`` between samples ``k`` and ``k + 1`` (linear)."""
    return float(t[k] + (threshold_n - f[k]) / (f[k + 1] - f[k]) * (t[k + 1] - t[k]))


def _assign_foot(
    feet: _Feet, plate: ForcePlate, *, ic_s: float, first: int, config: ForcePlateConfig, flags: list[str]
) -> str:
    heel_in = {foot: feet.over(f"{foot}_heel", ic_s, plate) for foot in _FEET}
    inside = [foot for foot in _FEET if heel_in[foot] <= 0.0]
    n = max(1, round(config.cop_window_s * plate.sampling_rate_hz))
    cop = np.nanmean(plate.cop_m[first : first + n], axis=0)
    by_cop: str | None = None
    if np.all(np.isfinite(cop)):
        mid = {foot: (feet.at(f"{foot}_heel", ic_s) + feet.at(f"{foot}_toe", ic_s)) / 2 for foot in _FEET}
        d = {foot: float(np.linalg.norm((mid[foot] - cop)[feet.horizontal])) for foot in _FEET}
        if all(np.isfinite(v) for v in d.values()):
            by_cop = min(_FEET, key=lambda foot: d[foot])
    if len(inside) == 1:
        if by_cop is not None and by_cop != inside[0]:
            flags.append("cop_disagrees")
        return inside[0]
    if by_cop is None:
        raise InputError(f"Cannot tell which foot loaded force plate {plate.number} at {ic_s:.3f} s.")
    flags.append("foot_from_cop")
    return by_cop


def plate_contacts(
    plates: tuple[ForcePlate, ...] | list[ForcePlate],
    markers: Trajectories,
    *,
    marker_start_time_s: float,
    config: ForcePlateConfig | None = None,
) -> list[PlateContact]:
    """Every contact on every plate, with its foot, events, and flags (see the module docstring).

    ``markers`` holds ``left_heel``, ``right_heel``, ``left_toe``, ``right_toe`` in metres, lab frame.
    """
    cfg = config or ForcePlateConfig()
    vertical, up = markers.axes.vertical, markers.axes.up_sign
    feet = _Feet(markers, start_time_s=marker_start_time_s, vertical=vertical)
    out: list[PlateContact] = []
    for plate in plates:
        fz = _vertical_force(plate, vertical=vertical, up_sign=up, config=cfg)
        below = fz < cfg.threshold_n
        baseline = float(np.median(fz[below])) if below.any() else 0.0
        fz = fz - baseline
        t = plate.time_s
        on = fz > cfg.threshold_n
        edges = np.flatnonzero(np.diff(on.astype(np.int8)))
        starts = [k + 1 for k in edges if not on[k]]
        ends = [k for k in edges if on[k]]
        if on[0]:
            starts.insert(0, 0)
        if on[-1]:
            ends.append(len(on) - 1)
        n_contact = 0
        for first, last in zip(starts, ends, strict=True):
            if (last - first + 1) / plate.sampling_rate_hz < cfg.min_contact_s:
                continue
            n_contact += 1
            ic = _crossing(t, fz, first - 1, cfg.threshold_n) if first > 0 else None
            to = _crossing(t, fz, last, cfg.threshold_n) if last < len(on) - 1 else None
            flags: list[str] = []
            foot = _assign_foot(
                feet,
                plate,
                ic_s=ic if ic is not None else float(t[first]),
                first=first,
                config=cfg,
                flags=flags,
            )
            other = "right" if foot == "left" else "left"
            other_from = _other_foot_from(
                feet, other, plate, t0=float(t[first]), t1=float(t[last]), config=cfg, up=up
            )
            if other_from is not None:
                flags.append(f"other_foot_from_{other_from:.3f}s")
            ic_status = to_status = "clean"
            if ic is not None:
                if feet.on_plate(other, ic, plate, config=cfg, up=up):
                    ic_status = "flagged"
                    flags.append("other_foot_on_plate_at_ic")
                if not feet.over(f"{foot}_heel", ic, plate) <= 0.0:
                    ic_status = "flagged"
                    flags.append("heel_off_plate_at_ic")
            if to is not None:
                if feet.on_plate(other, to, plate, config=cfg, up=up):
                    to_status = "flagged"
                    flags.append("other_foot_on_plate_at_to")
                if not feet.over(f"{foot}_toe", to, plate) <= 0.0:
                    to_status = "flagged"
                    flags.append("toe_off_plate_at_to")
            out.append(
                PlateContact(
                    contact_id=f"FP{plate.number}_{n_contact}",
                    plate=plate.number,
                    foot=foot,
                    ic_s=ic,
                    to_s=to,
                    peak_n=float(fz[first : last + 1].max()),
                    baseline_n=baseline,
                    heel_at_ic_m=feet.over(f"{foot}_heel", ic if ic is not None else float(t[first]), plate),
                    other_foot_from_s=other_from,
                    ic_status=ic_status,
                    to_status=to_status,
                    flags=tuple(flags),
                )
            )
    return out


def forceplate_events(contacts: list[PlateContact]) -> list[ForcePlateEvent]:
    """The contacts' initial contacts and toe-offs as one list sorted by time."""
    events = []
    for c in contacts:
        if c.ic_s is not None:
            events.append(
                ForcePlateEvent(c.foot, "initial_contact", c.ic_s, c.plate, c.contact_id, c.ic_status)
            )
        if c.to_s is not None:
            events.append(ForcePlateEvent(c.foot, "toe_off", c.to_s, c.plate, c.contact_id, c.to_status))
    return sorted(events, key=lambda e: e.time_s)
