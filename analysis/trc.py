"""OpenSim TRC marker files: read into and write from :class:`~analysis.types.Trajectories`.

Format (OpenSim "Marker (.trc) Files" documentation): three header lines (``PathFileType``,
the ``DataRate ... OrigNumFrames`` keys and their values), a line with ``Frame#``, ``Time`` and
one name per marker (each followed by two empty tab fields), a line with ``X1 Y1 Z1 X2 ...``,
then one tab-separated row per frame. Missing marker samples are empty fields. The reader also
accepts the space-padded variants that some exporters write.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.types import Axes, FloatArray, InputError, Trajectories

_UNIT_SCALE = {"mm": 0.001, "cm": 0.01, "m": 1.0}


@dataclass(frozen=True)
class TrcData:
    """A TRC file's content: marker trajectories plus the header numbers that are not in them."""

    trajectories: Trajectories
    units: str
    time_s: FloatArray
    frame_numbers: FloatArray


def _split(line: str) -> list[str]:
    # Tab-separated with empty fields meaning "missing"; exporters that pad with spaces are
    # read by stripping each field.
    return [f.strip() for f in line.rstrip("\r\n").split("\t")]


def read_trc(path: str | Path, *, vertical_axis: int = 1) -> TrcData:
    """Read an OpenSim ``.trc`` file.

    Returns trajectories in the file's units, shape ``(frames, 3)`` per marker, NaN for missing
    samples. ``vertical_axis`` (default 1 = Y, OpenSim's convention) is recorded in the axes with
    up = positive; gait analysis can also detect it from the data.
    """
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise InputError(f"Cannot read the marker file {p}: {exc.strerror or exc}.") from None
    if len(lines) < 6 or not lines[0].startswith("PathFileType"):
        raise InputError(
            f"{p.name} is not an OpenSim TRC file (its first line should start with PathFileType)."
        )
    keys = lines[1].split()
    values = lines[2].split()
    header = dict(zip(keys, values, strict=False))
    try:
        sampling_rate_hz = float(header["DataRate"])
        units = header.get("Units", "m")
    except (KeyError, ValueError):
        raise InputError(f"{p.name} has no readable DataRate in its header.") from None
    names_row = _split(lines[3])
    if len(names_row) < 3 or names_row[0] != "Frame#":
        raise InputError(f"{p.name} has no marker-name line starting with Frame# on line 4.")
    names = [n for n in names_row[2:] if n]
    rows: list[list[float]] = []
    width = 2 + 3 * len(names)
    for line_no, line in enumerate(lines[5:], start=6):
        if not line.strip():
            continue
        fields = _split(line)
        if len(fields) < 2:
            continue
        row: list[float] = []
        for f in fields[:width]:
            try:
                row.append(float(f) if f else math.nan)
            except ValueError:
                raise InputError(f"{p.name} line {line_no} has a non-numeric value {f!r}.") from None
        row.extend([math.nan] * (width - len(row)))
        rows.append(row)
    if not rows:
        raise InputError(f"{p.name} contains no frames.")
    data = np.asarray(rows, dtype=np.float64)
    points = {name: np.ascontiguousarray(data[:, 2 + 3 * i : 5 + 3 * i]) for i, name in enumerate(names)}
    axes = Axes(
        vertical=vertical_axis, up_sign=1.0, metres_per_unit=_UNIT_SCALE.get(units.lower()), units=units
    )
    traj = Trajectories(points=points, sampling_rate_hz=sampling_rate_hz, axes=axes)
    return TrcData(trajectories=traj, units=units, time_s=data[:, 1], frame_numbers=data[:, 0])


def write_trc(
    path: str | Path,
    points: Mapping[str, FloatArray],
    *,
    sampling_rate_hz: float,
    units: str = "m",
    start_time_s: float = 0.0,
    decimals: int = 5,
) -> None:
    """Write marker trajectories (``name -> (frames, 3)``, NaN = missing) as an OpenSim TRC file.

    Missing samples are written as empty fields, as OpenSim expects.
    """
    if not points:
        raise InputError("There are no markers to write.")
    names = list(points)
    arrays = [np.asarray(points[n], dtype=np.float64) for n in names]
    n_frames = arrays[0].shape[0]
    if any(a.shape != (n_frames, 3) for a in arrays):
        raise InputError("Every marker trajectory must have the same shape (frames, 3).")
    p = Path(path)
    out = [
        f"PathFileType\t4\t(X/Y/Z)\t{p.name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
        f"{sampling_rate_hz:g}\t{sampling_rate_hz:g}\t{n_frames}\t{len(names)}\t{units}\t{sampling_rate_hz:g}\t1\t{n_frames}",
        "Frame#\tTime\t" + "\t".join(f"{n}\t\t" for n in names),
        "\t\t" + "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, len(names) + 1)),
        "",
    ]
    stacked = np.concatenate(arrays, axis=1)
    fmt = f"{{:.{decimals}f}}"
    for i in range(n_frames):
        t = start_time_s + i / sampling_rate_hz
        vals = ["" if not np.isfinite(v) else fmt.format(v) for v in stacked[i]]
        out.append(f"{i + 1}\t{t:.6f}\t" + "\t".join(vals))
    p.write_text("\n".join(out) + "\n", encoding="utf-8")
