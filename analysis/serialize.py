"""Turn analysis results into JSON-ready structures (plain dicts, lists, floats; NaN -> None)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from analysis.gait.events import GaitEvents
from analysis.gait.parameters import GaitParameters

JsonValue = Any  # a JSON-compatible value; recursive types add nothing for callers here


def to_jsonable(obj: object, *, ndigits: int = 4) -> JsonValue:
    """Recursively convert dataclasses, mappings, sequences and numpy values; NaN/inf become None."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name), ndigits=ndigits) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v, ndigits=ndigits) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v, ndigits=ndigits) for v in obj.tolist()]
    if isinstance(obj, list | tuple):
        return [to_jsonable(v, ndigits=ndigits) for v in obj]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        f = float(obj)
        # "+ 0.0" turns -0.0 into 0.0: a value that rounds to zero has one stored form whatever
        # the sign of the noise below it (a static angle's mean flipped between the two).
        return round(f, ndigits) + 0.0 if math.isfinite(f) else None
    return obj


_AXES = "xyz"


def _direction_label(ev: GaitEvents) -> str:
    d = ev.direction[np.isfinite(ev.direction).all(axis=1)]
    if d.size == 0:
        return "unknown"
    axis = int(np.argmax(np.abs(d).mean(axis=0)))
    signs = np.sign(d[:, axis])
    if (signs > 0).all():
        return f"+{_AXES[axis]}"
    if (signs < 0).all():
        return f"-{_AXES[axis]}"
    return "both"


def gait_events_to_dict(
    ev: GaitEvents, params: GaitParameters, *, time_offset_s: float = 0.0
) -> dict[str, JsonValue]:
    """The gait-events JSON: events, detected axes and the gait parameters.

    ``time_offset_s`` is added to event times (the time of the recording's first frame).
    """
    p = to_jsonable(params)
    p.pop("step_lengths_units", None)
    return {
        "events": [
            {
                "foot": e.foot,
                "event": e.event,
                "time_s": round(e.time_s + time_offset_s, 4),
                "frame": e.frame,
                "method": e.method,
            }
            for e in ev.events
        ],
        "rate_hz": ev.sampling_rate_hz,
        "n_frames": ev.n_frames,
        "vertical_axis": f"{'+' if ev.up_sign > 0 else '-'}{_AXES[ev.vertical_axis]}",
        "walking_direction": _direction_label(ev),
        "leg_length_units": round(ev.leg_length_units, 4),
        "parameters": p,
        "config": to_jsonable(ev.config),
        "omitted": [
            {
                "foot": o.foot,
                "event": o.event,
                "time_s": round(o.time_s + time_offset_s, 4),
                "until_s": None if o.until_s is None else round(o.until_s + time_offset_s, 4),
                "reason": o.reason,
            }
            for o in ev.omitted
        ],
        "method": (
            "Zeni et al. 2008 heel/toe extrema relative to the pelvis; on markers, initial contact where "
            "the heel's velocity relative to the pelvis reaches 0.8 of the stance speed (Ghoussayni et al. "
            "2004, O'Connor et al. 2007); direction from foot-velocity skewness; next to standing, the last "
            "contact and the first toe-off where the foot's ground speed crosses 0.1 and 0.3 of its swing's "
            "peak (events with method 'ground speed')"
        ),
    }
