"""Phase-aware form rules with coaching cues.

Each rule looks at one phase of a repetition (``eccentric``, ``bottom`` = the turnaround frame,
``concentric``) and fires a short cue a patient understands. Rules whose measurement the camera
cannot see (e.g. trunk lean in a front view, NaN) stay silent rather than guess.

=========================  ==================  ==============================================
cue                        exercises           rule (defaults in :class:`CueConfig`)
=========================  ==================  ==============================================
knees tracking over toes   squat, sit-to-      knee medial offset > 0.15 hip widths (knee
                           stand, deadlift     caving in, other knee not outwards; frontal/3D)
go deeper                  squat, deadlift     turnaround short of the kind's full depth
keep your chest up         squat               trunk lean > 45 deg at the bottom or rising
keep your back straight    squat, deadlift     trunk lean grows > 10 deg after the bottom
                                               (hips rise before the chest)
keep your back straight    overhead press      trunk leans back > 10 deg while pressing
keep your back straight    curl                trunk swings > 10 deg while lifting
=========================  ==================  ==============================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.exercise.reps import Rep
from analysis.exercise.signals import ExerciseKind
from analysis.types import FloatArray

KNEES = "knees tracking over toes"
DEEPER = "go deeper"
CHEST = "keep your chest up"
BACK = "keep your back straight"


@dataclass(frozen=True)
class CueConfig:
    knee_medial_offset_hip_widths: float = 0.15
    chest_up_max_lean_deg: float = 45.0
    back_lean_increase_deg: float = 10.0
    press_back_lean_deg: float = 10.0
    curl_swing_deg: float = 10.0


@dataclass(frozen=True)
class Cue:
    text: str
    phase: str
    frame: int
    value: float
    rule: str


def _phase_slices(rep: Rep) -> dict[str, slice]:
    out = {p.name: slice(p.start_frame, p.end_frame + 1) for p in rep.phases}
    out["bottom"] = slice(rep.bottom_frame, rep.bottom_frame + 1)
    return out


def _peak(series: FloatArray, sl: slice) -> tuple[float, int]:
    seg = series[sl]
    if seg.size == 0 or not np.isfinite(seg).any():
        return math.nan, -1
    i = int(np.nanargmax(seg))
    return float(seg[i]), (sl.start or 0) + i


def form_cues(
    rep: Rep, kind: ExerciseKind, angles: dict[str, FloatArray], *, config: CueConfig | None = None
) -> list[Cue]:
    """Cues for one repetition from the angle series of :func:`analysis.angles.joint_angles`."""
    cfg = config or CueConfig()
    cues: list[Cue] = []
    ph = _phase_slices(rep)
    if kind in ("squat", "sit_to_stand", "deadlift"):
        left, right = angles["left_knee_medial_offset"], angles["right_knee_medial_offset"]
        # A camera turned slightly sideways shifts both knees the same way in the image: one looks
        # medial, the other lateral. Caving in counts only while the other knee is not lateral.
        offset = np.fmax(np.where(right >= 0, left, np.nan), np.where(left >= 0, right, np.nan))
        for phase in ("eccentric", "bottom", "concentric"):
            v, f = _peak(offset, ph[phase])
            if math.isfinite(v) and v > cfg.knee_medial_offset_hip_widths:
                cues.append(
                    Cue(
                        KNEES,
                        phase,
                        f,
                        v,
                        f"knee medial offset {v:.2f} > {cfg.knee_medial_offset_hip_widths} hip widths",
                    )
                )
                break
    if kind in ("squat", "deadlift") and rep.reason and "depth" in rep.reason:
        cues.append(Cue(DEEPER, "bottom", rep.bottom_frame, rep.depth, "turnaround short of full depth"))
    lean = angles["trunk_lean_sagittal"]
    if kind == "squat":
        for phase in ("bottom", "concentric"):
            v, f = _peak(lean, ph[phase])
            if math.isfinite(v) and v > cfg.chest_up_max_lean_deg:
                cues.append(
                    Cue(CHEST, phase, f, v, f"trunk lean {v:.0f} > {cfg.chest_up_max_lean_deg:.0f} deg")
                )
                break
    if kind in ("squat", "deadlift"):
        at_bottom = lean[rep.bottom_frame] if rep.bottom_frame < lean.size else math.nan
        v, f = _peak(lean, ph["concentric"])
        if math.isfinite(v) and math.isfinite(at_bottom) and v - at_bottom > cfg.back_lean_increase_deg:
            cues.append(
                Cue(
                    BACK,
                    "concentric",
                    f,
                    v - at_bottom,
                    "trunk lean grows after the bottom (hips rise first)",
                )
            )
    if kind == "overhead_press":
        v, f = _peak(-lean, ph["concentric"])
        if math.isfinite(v) and v > cfg.press_back_lean_deg:
            cues.append(Cue(BACK, "concentric", f, v, f"trunk leans back {v:.0f} deg while pressing"))
    if kind == "curl":
        seg = lean[ph["concentric"]]
        if seg.size and np.isfinite(seg).any():
            swing = float(np.nanmax(seg) - np.nanmin(seg))
            if swing > cfg.curl_swing_deg:
                cues.append(
                    Cue(
                        BACK,
                        "concentric",
                        rep.bottom_frame,
                        swing,
                        f"trunk swings {swing:.0f} deg while lifting",
                    )
                )
    return cues
