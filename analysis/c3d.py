"""C3D motion-capture files: markers, the EVENT group and force plates, read with ``ezc3d``.

Format: the C3D file format user guide (C3D.ORG, Motion Lab Systems 2021) and the ``ezc3d``
library (Michaud & Begon 2021, J Open Source Softw 6:2911), which parses the header, the
parameter groups and the point/analog data, and turns FORCE_PLATFORM types 1-4 into forces,
moments and centres of pressure in the lab frame.

Conventions of what this module returns:

* Marker trajectories are in **metres** (scaled from ``POINT:UNITS``), in the lab's own axes (no
  rotation); the vertical axis is the one ``POINT:Y_SCREEN`` names (the axis Vicon and Motion
  Lab Systems software draw upwards), +Z when the file does not say. Points listed in the
  model-output groups that ``POINT:TYPE_GROUPS`` names (angles, forces, moments, powers) are not
  markers and are left out. Samples with a negative residual (not seen) are NaN.
* Times are seconds on the recording's clock: point frame ``i`` (0-based from the header's first
  frame ``f0``, itself 0-based) is at ``(f0 + i) / rate``; this is the clock the EVENT group's
  ``TIMES`` and Vicon's TRC export use (the first frame of the smk_overground trial is 0.01 s).
  Analog sample ``k`` is at ``f0 / point_rate + k / analog_rate``.
* Force-plate values are those ``ezc3d`` computes from the FORCE_PLATFORM group, converted to SI
  (N, N·m, m): ``force_n`` is the ground reaction force acting on the body, in lab axes (vertical
  component positive upwards for a body standing on the plate), ``cop_m`` the centre of pressure
  in the lab frame, ``moment_nm`` the moment at the plate origin in lab axes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from analysis.types import Axes, FloatArray, InputError, Trajectories

_LENGTH_SCALE = {"mm": 0.001, "cm": 0.01, "dm": 0.1, "m": 1.0}
_MOMENT_SCALE = {"nmm": 0.001, "n.mm": 0.001, "nm": 1.0, "n.m": 1.0}
_AXIS = {"x": 0, "y": 1, "z": 2}
# FORCE_PLATFORM:TYPE values ezc3d turns into forces (C3D user guide, "Force platforms").
_PLATE_TYPES = (1, 2, 3, 4)
# EVENT:LABELS as Vicon Nexus and most C3D writers spell the two gait events.
_EVENT_KIND = {"foot strike": "initial_contact", "foot off": "toe_off"}
# POINT groups that hold model outputs (degrees, newtons, watts), not marker positions.
_NON_MARKER_GROUPS = ("ANGLES", "FORCES", "MOMENTS", "POWERS", "SCALARS", "REACTIONS")


@dataclass(frozen=True)
class C3dEvent:
    """One entry of the EVENT group.

    ``foot`` is ``"left"``/``"right"`` from the context (``None`` for "General" and other contexts);
    ``event`` is ``"initial_contact"`` for "Foot Strike", ``"toe_off"`` for "Foot Off", ``None`` for
    any other label; ``label`` is ``"Context:Label"`` as the lab wrote it.
    """

    foot: str | None
    event: str | None
    time_s: float
    label: str


@dataclass(frozen=True)
class ForcePlate:
    """One force plate at the analog rate, SI units, lab axes (see the module docstring).

    ``number`` is 1-based as in the file; ``plate_type`` is FORCE_PLATFORM:TYPE (1-4);
    ``corners_m`` the four corners ``(4, 3)`` in the lab frame in the file's order;
    ``origin_m`` FORCE_PLATFORM:ORIGIN (the plate's centre relative to its sensor origin, in the
    plate's own axes); ``force_n``, ``moment_nm``, ``cop_m`` have shape ``(samples, 3)``.
    """

    number: int
    plate_type: int
    corners_m: FloatArray
    origin_m: FloatArray
    force_n: FloatArray
    moment_nm: FloatArray
    cop_m: FloatArray
    sampling_rate_hz: float
    start_time_s: float

    @property
    def time_s(self) -> FloatArray:
        """Time of each analog sample on the recording's clock."""
        n = self.force_n.shape[0]
        return self.start_time_s + np.arange(n, dtype=np.float64) / self.sampling_rate_hz


@dataclass(frozen=True)
class C3dData:
    """A C3D file's markers (metres, lab axes), events and force plates."""

    trajectories: Trajectories
    start_time_s: float
    time_s: FloatArray
    units: str
    events: tuple[C3dEvent, ...]
    force_plates: tuple[ForcePlate, ...]
    analog_rate_hz: float | None


def _param(params: Any, group: str, name: str) -> Any:
    try:
        return params[group][name]["value"]
    except (KeyError, TypeError):
        return None


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v).strip() for v in value]


def _number(value: Any) -> float | None:
    if value is None:
        return None
    arr = np.asarray(value, dtype=np.float64).ravel()
    return float(arr[0]) if arr.size else None


def _vertical(params: Any) -> tuple[int, float]:
    screen = _strings(_param(params, "POINT", "Y_SCREEN"))
    text = screen[0].lower() if screen else "+z"
    if len(text) == 2 and text[0] in "+-" and text[1] in _AXIS:
        return _AXIS[text[1]], (1.0 if text[0] == "+" else -1.0)
    return 2, 1.0


def _events(params: Any) -> tuple[C3dEvent, ...]:
    labels = _strings(_param(params, "EVENT", "LABELS"))
    contexts = _strings(_param(params, "EVENT", "CONTEXTS"))
    times = _param(params, "EVENT", "TIMES")
    if not labels or times is None:
        return ()
    t = np.asarray(times, dtype=np.float64).reshape(2, -1)
    out = []
    for i, label in enumerate(labels):
        context = contexts[i] if i < len(contexts) else ""
        foot = context.lower() if context.lower() in ("left", "right") else None
        # TIMES holds minutes in the first row and seconds in the second (C3D user guide, EVENT group).
        time_s = 60.0 * float(t[0, i]) + float(t[1, i])
        out.append(
            C3dEvent(
                foot=foot,
                event=_EVENT_KIND.get(label.lower()),
                time_s=time_s,
                label=f"{context}:{label}" if context else label,
            )
        )
    return tuple(sorted(out, key=lambda e: e.time_s))


def _plates(
    c3d: Any, params: Any, *, analog_rate_hz: float, start_time_s: float, name: str
) -> tuple[ForcePlate, ...]:
    platforms = c3d["data"].get("platform") or []
    raw_types = _param(params, "FORCE_PLATFORM", "TYPE")
    types = np.asarray([] if raw_types is None else raw_types, dtype=int).ravel()
    out = []
    for i, p in enumerate(platforms):
        length = _LENGTH_SCALE.get(str(p["unit_position"]).strip().lower())
        moment = _MOMENT_SCALE.get(str(p["unit_moment"]).strip().lower())
        if str(p["unit_force"]).strip().upper() != "N" or length is None or moment is None:
            raise InputError(
                f"{name}: force plate {i + 1} is in units this reader does not know "
                f"(force {p['unit_force']!r}, moment {p['unit_moment']!r}, position {p['unit_position']!r})."
            )
        out.append(
            ForcePlate(
                number=i + 1,
                plate_type=int(types[i]) if i < types.size else 0,
                corners_m=np.asarray(p["corners"], dtype=np.float64).T * length,
                origin_m=np.asarray(p["origin"], dtype=np.float64) * length,
                force_n=np.ascontiguousarray(np.asarray(p["force"], dtype=np.float64).T),
                moment_nm=np.ascontiguousarray(np.asarray(p["moment"], dtype=np.float64).T * moment),
                cop_m=np.ascontiguousarray(np.asarray(p["center_of_pressure"], dtype=np.float64).T * length),
                sampling_rate_hz=analog_rate_hz,
                start_time_s=start_time_s,
            )
        )
    return tuple(out)


def _announced_frames(p: Path, header: Any) -> int:
    """Frames the file's own header announces (words 4 and 5 of the first 512-byte block).

    ezc3d shortens its header copy and POINT:FRAMES to what it could read, so a truncated file
    is only recognised against the bytes on disk. Integers are little-endian except on MIPS
    (processor type 86 in the parameter block's fourth byte; C3D user guide, "The C3D file
    header"). 65535 in the last-frame word means "more than fits" (long recordings keep the
    count in TRIAL:ACTUAL_END_FIELD); then ezc3d's count is used.
    """
    from_library = int(header["last_frame"]) - int(header["first_frame"]) + 1
    with p.open("rb") as fh:
        block = fh.read(512)
        if len(block) < 12 or block[1] != 0x50:
            raise InputError(f"{p.name} is not a C3D file (its second byte should be 0x50).")
        fh.seek((block[0] - 1) * 512)
        param_head = fh.read(4)
    order: Literal["big", "little"] = "big" if len(param_head) == 4 and param_head[3] == 86 else "little"
    first = int.from_bytes(block[6:8], order)
    last = int.from_bytes(block[8:10], order)
    if last == 65535 or last < first:
        return from_library
    return last - first + 1


def _open(p: Path, *, with_plates: bool) -> Any:
    import ezc3d  # imported here: only C3D input needs the compiled library

    try:
        return ezc3d.c3d(str(p), extract_forceplat_data=with_plates)
    except Exception as exc:  # ezc3d raises OSError/RuntimeError/ValueError for damaged files
        if with_plates:
            raise InputError(f"{p.name}: the force plates could not be read ({exc}).") from None
        raise InputError(f"{p.name} is not a readable C3D file ({exc}).") from None


def _check_plates(params: Any, *, vertical: int, up_sign: float, name: str) -> int:
    """Number of plates, after refusing what the force computation cannot handle."""
    used = _number(_param(params, "FORCE_PLATFORM", "USED"))
    n = int(used) if used else 0
    raw_types = _param(params, "FORCE_PLATFORM", "TYPE")
    types = [int(t) for t in np.asarray([] if raw_types is None else raw_types, dtype=int).ravel()[:n]]
    unsupported = sorted({t for t in types if t not in _PLATE_TYPES})
    if unsupported:
        raise InputError(
            f"{name}: force plate type {unsupported[0]} is not supported (types 1-4 are: the C3D user "
            "guide's six-channel, eight-channel Kistler and calibration-matrix plates)."
        )
    if n and (vertical, up_sign) != (2, 1.0):
        # ezc3d builds each plate's frame assuming the lab's Z points up (its ForcePlatform docs).
        raise InputError(f"{name}: force plates are read only from labs whose vertical axis is +Z.")
    return n


def read_c3d(path: str | Path, *, with_force_plates: bool = True) -> C3dData:
    """Read a ``.c3d`` file: markers in metres, the EVENT group and (optionally) the force plates.

    Raises :class:`InputError` with a sentence for a missing, damaged, truncated or unsupported
    file (a file whose data stop before the header's last frame counts as truncated).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"Cannot read the C3D file {p}: no such file.")
    with p.open("rb") as fh:
        magic = fh.read(2)
    # Byte 2 of every C3D file is 0x50 (C3D user guide, "The C3D file header").
    if len(magic) < 2 or magic[1] != 0x50:
        raise InputError(f"{p.name} is not a C3D file (its second byte should be 0x50).")
    c3d = _open(p, with_plates=False)
    params = c3d["parameters"]
    header = c3d["header"]["points"]
    rate = _number(_param(params, "POINT", "RATE")) or float(header["frame_rate"])
    if not math.isfinite(rate) or rate <= 0:
        raise InputError(f"{p.name} has no usable point rate (POINT:RATE).")
    expected = _announced_frames(p, header)
    data = np.asarray(c3d["data"]["points"], dtype=np.float64)
    if data.ndim != 3 or data.shape[2] < expected:
        got = data.shape[2] if data.ndim == 3 else 0
        raise InputError(
            f"{p.name} is truncated or damaged: its header announces {expected} frames, the file holds {got}."
        )
    units_list = _strings(_param(params, "POINT", "UNITS"))
    units = units_list[0] if units_list else "mm"
    scale = _LENGTH_SCALE.get(units.lower())
    if scale is None:
        raise InputError(f"{p.name} gives marker units {units!r}; this reader knows mm, cm, dm and m.")
    labels = _strings(_param(params, "POINT", "LABELS"))
    non_markers = {
        n for g in _NON_MARKER_GROUPS for n in _strings(_param(params, "POINT", g)) if g in params["POINT"]
    }
    residuals = np.asarray(c3d["data"]["meta_points"]["residuals"], dtype=np.float64)
    points: dict[str, FloatArray] = {}
    for i, label in enumerate(labels[: data.shape[1]]):
        if not label or label in non_markers or label in points:
            continue
        xyz = data[:3, i, :expected].T * scale
        # A negative residual marks a sample the cameras did not reconstruct (C3D user guide).
        xyz[residuals[0, i, :expected] < 0] = np.nan
        points[label] = np.ascontiguousarray(xyz)
    if not points:
        raise InputError(f"{p.name} contains no marker trajectories.")
    vertical, up_sign = _vertical(params)
    axes = Axes(vertical=vertical, up_sign=up_sign, metres_per_unit=1.0, units="m")
    start_time_s = int(header["first_frame"]) / rate
    analog_rate = _number(_param(params, "ANALOG", "RATE"))
    plates: tuple[ForcePlate, ...] = ()
    n_plates = (
        _check_plates(params, vertical=vertical, up_sign=up_sign, name=p.name) if with_force_plates else 0
    )
    if n_plates and analog_rate:
        plates = _plates(
            _open(p, with_plates=True),
            params,
            analog_rate_hz=analog_rate,
            start_time_s=start_time_s,
            name=p.name,
        )
    return C3dData(
        trajectories=Trajectories(points=points, sampling_rate_hz=rate, axes=axes),
        start_time_s=start_time_s,
        time_s=start_time_s + np.arange(expected, dtype=np.float64) / rate,
        units=units,
        events=_events(params),
        force_plates=plates,
        analog_rate_hz=analog_rate,
    )
