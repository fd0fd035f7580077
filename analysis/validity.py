"""Which camera views each metric is valid in: the one table (issue 13 item 2).

A 2D measurement is read in the image plane, so a metric of the sagittal plane (flexion angles,
lengths along the walkway) needs a side view and one of the frontal plane (valgus, frontal lean,
abduction, pelvic drop) a front view; timing and counts are read from events and hold in any
view. Views as :mod:`analysis.camera_view` defines them (oblique: neither plane within 30 deg of
the image plane, so no planar angle is trusted).

Metric codes are the catalogue's (:data:`clinic.domain.vocabulary.METRICS`) where it has one;
repetition counts are ``<kind>_complete_reps`` / ``<kind>_partial_reps`` (see :func:`valid_views`).
"""

from __future__ import annotations

from analysis.camera_view import VIEWS, CameraView

SAGITTAL: frozenset[CameraView] = frozenset({"sagittal"})
FRONTAL: frozenset[CameraView] = frozenset({"frontal"})
ANY: frozenset[CameraView] = frozenset(VIEWS)
# 3D measures (:mod:`analysis.skeleton3d`): the movement must lie mostly across the image, since
# depth from one camera is the weakest coordinate; an oblique view shows both planes partly.
SAGITTAL_OR_OBLIQUE: frozenset[CameraView] = frozenset({"sagittal", "oblique"})
FRONTAL_OR_OBLIQUE: frozenset[CameraView] = frozenset({"frontal", "oblique"})

#: metric -> views it is valid in.
VALID_VIEWS: dict[str, frozenset[CameraView]] = {
    # Sagittal plane: joint flexion, lengths along the line of walking, forward lean.
    "hip_flexion_rom": SAGITTAL,
    "knee_flexion_rom": SAGITTAL,
    "ankle_dorsiflexion_rom": SAGITTAL,
    "shoulder_flexion_rom": SAGITTAL,
    "trunk_lean_sagittal": SAGITTAL,
    "step_length": SAGITTAL,
    "stride_length": SAGITTAL,
    "gait_speed": SAGITTAL,
    "step_length_symmetry": SAGITTAL,
    # The Timed Up and Go's walk and the 10-metre walk are followed across the image.
    "timed_up_and_go": SAGITTAL,
    "ten_metre_walk_speed": SAGITTAL,
    "landing_knee_flexion": SAGITTAL,
    "landing_knee_flexion_symmetry": SAGITTAL,
    # REBA scores trunk, neck and arm flexion, which its authors observe from the side
    # (Hignett & McAtamney 2000, Appl Ergon 31:201).
    "reba_score": SAGITTAL,
    # Frontal plane.
    "knee_valgus_peak": FRONTAL,
    "trunk_lean_frontal": FRONTAL,
    "shoulder_abduction_rom": FRONTAL,
    "pelvic_drop": FRONTAL,
    # Timing and counts from events: any view.
    "cadence": ANY,
    "step_time": ANY,
    "stride_time": ANY,
    "stance_pct": ANY,
    "double_support_pct": ANY,
    "step_time_symmetry": ANY,
    "single_leg_stance_time": ANY,
    "chair_stand_count": ANY,
    "five_times_sit_to_stand": ANY,
    "jump_height": ANY,
    # The squat's knee bend is the image's hip-knee-ankle angle, read in any view (from the
    # front it is the projected bend: the method text says so and the grade is at most fair).
    "squat_depth": ANY,
    # From the 3D skeleton. Forward lean moves the shoulders along the camera's axis in a front
    # view; lateral lean and rotation about the vertical do so in a side view, where the far
    # shoulder and hip are also hidden behind the body.
    "trunk_forward_lean_3d": SAGITTAL_OR_OBLIQUE,
    "trunk_lateral_lean_3d": FRONTAL_OR_OBLIQUE,
    "trunk_rotation_3d": FRONTAL_OR_OBLIQUE,
    "pelvis_rotation_3d": FRONTAL_OR_OBLIQUE,
    # Depth-aware flexion: any view (graded fair at best outside a side view).
    "knee_flexion_peak_3d": ANY,
    "hip_flexion_peak_3d": ANY,
}

#: Where a view-limited metric needs the camera, in words.
_NEEDS = {"sagittal": "a side view", "frontal": "a front or back view", "oblique": "a view at an angle"}


def valid_views(metric: str) -> frozenset[CameraView]:
    """The views ``metric`` is valid in; repetition counts and unknown metrics: any view."""
    return VALID_VIEWS.get(metric, ANY)


def wrong_view_reason(metric: str, *, label: str, seen: CameraView | None) -> str:
    """``"shoulder flexion needs a side view; this recording is frontal"``."""
    views = valid_views(metric)
    needs = " or ".join(_NEEDS.get(v, v) for v in sorted(views))
    where = f"this recording is {seen}" if seen else "the view could not be determined (trunk not seen)"
    return f"{label} needs {needs}; {where}"
