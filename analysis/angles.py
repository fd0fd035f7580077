"""Joint and segment angles from named point trajectories, in degrees.

Body frame (per frame): *up* U = pelvis -> mid-shoulder; *anterior* A = the way the subject
faces; *right* R = A x U. In 3D, A = L x U with L = right hip -> left hip. For planar (image)
data the face direction comes from the feet (heel -> toe) and the nose (ears -> nose) along the
image's horizontal axis, and all angles are measured in the image plane, so sagittal angles need
a side view and frontal ones (abduction, valgus, frontal lean) a front view.

Sign conventions (0 and positive direction):

* hip flexion: thigh (hip -> knee) relative to the trunk's downward line, in the sagittal plane;
  0 = thigh in line with the trunk, positive = flexion (knee in front), negative = extension;
* knee flexion: shank (knee -> ankle) relative to the thigh; 0 = straight, positive = flexion,
  negative = hyperextension;
* ankle dorsiflexion: foot (heel -> toe) relative to the shank (knee -> ankle) minus 90 deg;
  0 = foot at right angles to the shank, positive = dorsiflexion, negative = plantarflexion
  (the heel-toe line of a landmark model is not the anatomical foot axis: expect a constant
  offset of a few degrees in quiet standing);
* shoulder flexion: upper arm (shoulder -> elbow) relative to the trunk's downward line in the
  sagittal plane; 0 = arm hanging, 90 = forward horizontal, 180 = overhead, negative = extension;
* shoulder abduction: same, in the frontal plane; positive = away from the midline;
* elbow flexion: 180 deg minus the shoulder-elbow-wrist angle; 0 = straight;
* trunk lean sagittal: trunk (pelvis -> mid-shoulder) from the vertical, positive = forward;
* trunk lean frontal: positive = towards the subject's right;
* trunk rotation: shoulder line relative to hip line about the vertical, positive = shoulders
  turned to the subject's left (right shoulder forward). Needs depth: for image landmarks it
  uses MediaPipe's relative z and is approximate;
* knee valgus: frontal-plane projection angle (Willson & Davis 2008, Clin Biomech 23:203),
  180 deg minus the hip-knee-ankle angle in the frontal plane; positive = valgus (knee medial to
  the hip-ankle line), negative = varus. Meaningful below about 60 deg of knee flexion (landing,
  single-leg squat, early descent); deeper, the thigh points at the camera and the projected
  angle grows without meaning, so form rules use the knee's medial offset instead;
* knee medial offset: how far the knee sits medial of the ankle in the frontal plane, in hip
  widths (positive = medial, i.e. knee caving in), usable at any depth.

Clinical definitions follow Norkin & White, Measurement of Joint Motion (5th ed., 2016).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.ndimage import median_filter

from analysis.types import FloatArray, Trajectories

SIDES = ("left", "right")

#: The convention every angle the product shows follows, in the words tables and legends print.
CONVENTION = (
    "Angles in degrees, clinical goniometry (Norkin & White): 0 = anatomical neutral or full "
    "extension, flexion positive"
)
View = Literal["frontal", "sagittal"]

#: Angles that need a side view (sagittal plane) or a front view (frontal plane) in image data.
SAGITTAL_ANGLES = (
    "hip_flexion",
    "knee_flexion",
    "ankle_dorsiflexion",
    "shoulder_flexion",
    "trunk_lean_sagittal",
)
FRONTAL_ANGLES = ("shoulder_abduction", "knee_valgus", "knee_medial_offset", "trunk_lean_frontal")


def _unit(v: FloatArray) -> FloatArray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(n > 0, v / n, np.nan), dtype=np.float64)


def _dot(a: FloatArray, b: FloatArray) -> FloatArray:
    return np.asarray(np.einsum("...i,...i->...", a, b), dtype=np.float64)


def interior_angle(a: FloatArray, b: FloatArray, c: FloatArray) -> FloatArray:
    """Angle a-b-c at ``b`` in degrees (0..180); inputs ``(..., dims)``, NaN propagates."""
    u, v = _unit(a - b), _unit(c - b)
    # atan2 of |u x v| and u . v keeps full precision near 0 and 180 degrees, unlike arccos.
    if u.shape[-1] == 2:
        cross = np.abs(u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0])
    else:
        cross = np.linalg.norm(np.cross(u, v), axis=-1)
    return np.asarray(np.degrees(np.arctan2(cross, _dot(u, v))), dtype=np.float64)


def signed_angle(r: FloatArray, v: FloatArray, axis: FloatArray) -> FloatArray:
    """Rotation from ``r`` to ``v`` about ``axis`` (right-hand rule) in degrees, in (-180, 180].

    Both vectors are projected onto the plane normal to ``axis`` first. Shapes ``(..., 3)``.
    """
    n = _unit(axis)
    rp = r - _dot(r, n)[..., None] * n
    vp = v - _dot(v, n)[..., None] * n
    return np.asarray(np.degrees(np.arctan2(_dot(np.cross(rp, vp), n), _dot(rp, vp))), dtype=np.float64)


def _facing_sign(traj: Trajectories, horizontal: int) -> FloatArray:
    """+1 where the subject faces +horizontal in the image, -1 where it faces the other way."""
    votes = []
    for side in SIDES:
        if traj.has(f"{side}_heel", f"{side}_toe"):
            d = traj.get(f"{side}_toe")[:, horizontal] - traj.get(f"{side}_heel")[:, horizontal]
            votes.append(np.sign(d))
    if traj.has("nose", "mid_ear"):
        votes.append(np.sign(traj.get("nose")[:, horizontal] - traj.get("mid_ear")[:, horizontal]))
    if not votes:
        return np.ones(traj.n_frames)
    vote = np.nansum(np.stack(votes), axis=0)
    # A one-second running median keeps a turn but ignores single-frame flips.
    k = max(int(traj.sampling_rate_hz) | 1, 3)
    vote = median_filter(vote, size=k, mode="nearest")
    return np.where(vote < 0, -1.0, 1.0)


@dataclass(frozen=True)
class BodyFrame:
    """Per-frame unit axes ``(frames, 3)``: up (trunk), anterior, right; plus world up ``(3,)``."""

    up: FloatArray
    anterior: FloatArray
    right: FloatArray
    world_up: FloatArray
    planar: bool


def _points(traj: Trajectories) -> dict[str, FloatArray]:
    """The trajectories, with the depth coordinate zeroed for planar data (image plane only)."""
    if not traj.axes.planar:
        return dict(traj.points)
    depth = 2
    out = {}
    for k, v in traj.points.items():
        w = v.copy()
        w[:, depth] = 0.0
        out[k] = w
    return out


def body_frame(traj: Trajectories) -> BodyFrame:
    """Body axes per frame (see the module docstring)."""
    p = _points(traj)
    world_up = traj.axes.up_vector()
    pelvis = 0.5 * (p["left_hip"] + p["right_hip"])
    mid_sh = 0.5 * (p["left_shoulder"] + p["right_shoulder"])
    up = _unit(mid_sh - pelvis)
    if traj.axes.planar:
        horizontal = 1 - traj.axes.vertical if traj.axes.vertical in (0, 1) else 0
        a = np.zeros((traj.n_frames, 3))
        a[:, horizontal] = _facing_sign(traj, horizontal)
        anterior = _unit(a - _dot(a, up)[:, None] * up)
    else:
        left = p["left_hip"] - p["right_hip"]
        anterior = _unit(np.cross(left, up))
    right = _unit(np.cross(anterior, up))
    return BodyFrame(up=up, anterior=anterior, right=right, world_up=world_up, planar=traj.axes.planar)


def _horizontal(v: FloatArray, up: FloatArray) -> FloatArray:
    return _unit(v - _dot(v, up)[..., None] * up)


def image_view(traj: Trajectories) -> View:
    """Whether planar data show the subject from the front/back or from the side.

    Shoulder plus hip width relative to trunk length: about 1.1 facing the camera, near 0 in
    profile; 0.5 splits them (an oblique view counts as frontal).
    """
    p = traj.points
    width = np.linalg.norm((p["left_shoulder"] - p["right_shoulder"])[:, :2], axis=1) + np.linalg.norm(
        (p["left_hip"] - p["right_hip"])[:, :2], axis=1
    )
    mid_sh = 0.5 * (p["left_shoulder"] + p["right_shoulder"])
    pelvis = 0.5 * (p["left_hip"] + p["right_hip"])
    trunk = np.linalg.norm((mid_sh - pelvis)[:, :2], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = float(np.nanmedian(width / trunk))
    return "frontal" if np.isfinite(ratio) and ratio > 0.5 else "sagittal"


def joint_angles(traj: Trajectories, *, view: View | None = None) -> dict[str, FloatArray]:
    """All angle series ``(frames,)`` in degrees, keyed e.g. ``left_knee_flexion``.

    Needs BlazePose point names (see :meth:`Trajectories.from_landmarks`); NaN where a needed
    point is missing. Filter the trajectories first (e.g. :func:`analysis.signals.lowpass`) for
    smooth angles. For planar (image) data, angles of the plane the camera does not see are NaN:
    ``view`` says which plane the camera sees (detected with :func:`image_view` when None).
    ``*_knee_angle`` (interior hip-knee-ankle angle, 180 = straight) and elbow flexion are given
    in every view: they are what a 2D measurement on the image shows. ``*_knee_angle`` is an
    intermediate, not in :data:`CONVENTION`: what the product shows comes from
    :func:`bend_angles` (knee flexion = 180 deg - ``*_knee_angle``).
    """
    p = _points(traj)
    bf = body_frame(traj)
    out: dict[str, FloatArray] = {}
    down = -bf.up
    pelvis = 0.5 * (p["left_hip"] + p["right_hip"])
    mid_sh = 0.5 * (p["left_shoulder"] + p["right_shoulder"])
    for s in SIDES:
        o = "right" if s == "left" else "left"
        hip, knee, ankle = p[f"{s}_hip"], p[f"{s}_knee"], p[f"{s}_ankle"]
        thigh, shank = knee - hip, ankle - knee
        out[f"{s}_hip_flexion"] = signed_angle(down, thigh, bf.right)
        out[f"{s}_knee_flexion"] = -signed_angle(thigh, shank, bf.right)
        out[f"{s}_knee_angle"] = interior_angle(hip, knee, ankle)
        foot = p[f"{s}_foot_index"] - p[f"{s}_heel"]
        out[f"{s}_ankle_dorsiflexion"] = signed_angle(shank, foot, bf.right) - 90.0
        sh, el, wr = p[f"{s}_shoulder"], p[f"{s}_elbow"], p[f"{s}_wrist"]
        arm = el - sh
        out[f"{s}_shoulder_flexion"] = signed_angle(down, arm, bf.right)
        lateral = sh - p[f"{o}_shoulder"]
        lateral = _unit(lateral - _dot(lateral, bf.up)[:, None] * bf.up)
        out[f"{s}_shoulder_abduction"] = np.degrees(np.arctan2(_dot(arm, lateral), _dot(arm, down)))
        out[f"{s}_elbow_flexion"] = 180.0 - interior_angle(sh, el, wr)
        out[f"{s}_knee_valgus"] = _valgus(p, s, bf)
        out[f"{s}_knee_medial_offset"] = _medial_offset(p, s, bf)
    trunk = mid_sh - pelvis
    wu = np.broadcast_to(bf.world_up, trunk.shape)
    ant_h = _horizontal(bf.anterior, bf.world_up)
    right_h = _horizontal(p["right_hip"] - p["left_hip"], bf.world_up)
    out["trunk_lean_sagittal"] = np.degrees(np.arctan2(_dot(trunk, ant_h), _dot(trunk, wu)))
    out["trunk_lean_frontal"] = np.degrees(np.arctan2(_dot(trunk, right_h), _dot(trunk, wu)))
    # Rotation needs depth, so it uses the raw 3D coordinates even for image landmarks.
    raw = traj.points
    sh_line = raw["right_shoulder"] - raw["left_shoulder"]
    hip_line = raw["right_hip"] - raw["left_hip"]
    out["trunk_rotation"] = signed_angle(hip_line, sh_line, wu)
    if traj.axes.planar:
        hidden = FRONTAL_ANGLES if (view or image_view(traj)) == "sagittal" else SAGITTAL_ANGLES
        for key in out:
            if key.endswith(hidden):
                out[key] = np.full(traj.n_frames, np.nan)
    return out


#: The direction towards the camera in camera-aligned axes (MediaPipe world: x right, y down,
#: z away from the camera), the 0 of :func:`rotation_about_vertical`.
TOWARDS_CAMERA = np.array([0.0, 0.0, -1.0])


def rotation_about_vertical(traj: Trajectories) -> dict[str, FloatArray]:
    """Pelvis (hip line) and trunk (shoulder line) rotation about the vertical, in degrees.

    3D trajectories in camera-aligned axes only (MediaPipe world landmarks or a skeleton fitted
    to them: x right, y down as in the image, z away from the camera; the vertical is the
    camera's, so a tilted camera tilts it). Each line runs from the subject's left to right
    landmark; the way it faces is up x line (for a line of the pelvis, where the subject faces).

    * ``pelvis_rotation``: the hip line's facing direction relative to facing the camera;
    * ``shoulder_rotation``: the same for the shoulder line.

    0 = facing the camera, positive = turned towards the subject's left (counter-clockwise seen
    from above), in (-180, 180]: a subject with their back to the camera reads 180. Shoulders
    relative to pelvis are ``trunk_rotation`` of :func:`joint_angles` (the difference of these
    two, wrapped). NaN where a point is missing. ValueError for planar (image) data, where the
    rotation needs depth the image does not have.
    """
    if traj.axes.planar:
        raise ValueError("rotation about the vertical needs 3D landmarks")
    p = traj.points
    up = np.broadcast_to(traj.axes.up_vector(), p["left_hip"].shape)
    towards = np.broadcast_to(TOWARDS_CAMERA, up.shape)
    out: dict[str, FloatArray] = {}
    for name, joint in (("pelvis_rotation", "hip"), ("shoulder_rotation", "shoulder")):
        line = p[f"right_{joint}"] - p[f"left_{joint}"]
        out[name] = signed_angle(towards, np.cross(up, line), up)
    return out


#: Flexion read from the bend between three points, for any camera view:
#: joint -> (a, b, c, offset_deg, sign), value = offset_deg + sign * interior angle a-b-c.
BEND_DEFINITIONS: dict[str, tuple[str, str, str, float, float]] = {
    f"{s}_{joint}": definition
    for s in SIDES
    for joint, definition in (
        ("knee", (f"{s}_hip", f"{s}_knee", f"{s}_ankle", 180.0, -1.0)),
        ("hip", (f"{s}_shoulder", f"{s}_hip", f"{s}_knee", 180.0, -1.0)),
        ("elbow", (f"{s}_shoulder", f"{s}_elbow", f"{s}_wrist", 180.0, -1.0)),
        ("shoulder", (f"{s}_hip", f"{s}_shoulder", f"{s}_elbow", 0.0, 1.0)),
        ("ankle", (f"{s}_knee", f"{s}_ankle", f"{s}_foot_index", 90.0, -1.0)),
    )
}


def bend_angles(traj: Trajectories, *, joints: tuple[str, ...] | None = None) -> dict[str, FloatArray]:
    """Flexion of ``joints`` (keys of :data:`BEND_DEFINITIONS`, e.g. ``left_knee``) per frame, in degrees.

    The convention is :data:`CONVENTION` (0 = straight or neutral, flexion positive), read from the
    bend between three points, so it exists in every camera view:

    * knee flexion = 180 deg - interior hip-knee-ankle angle;
    * hip flexion = 180 deg - interior shoulder-hip-knee angle;
    * elbow flexion = 180 deg - interior shoulder-elbow-wrist angle;
    * shoulder elevation = interior hip-shoulder-elbow angle (0 = arm at the side, 180 = overhead):
      flexion in a side view, abduction in a front view;
    * ankle dorsiflexion = 90 deg - interior knee-ankle-toe angle (toes towards the shin close
      that angle: positive = dorsiflexion; the ankle-toe line is not the foot axis of
      :func:`joint_angles`, which runs heel-toe, so the two differ by a constant few degrees).

    For image landmarks the angle is measured in the image plane. In a side view it equals the
    sagittal flexion of :func:`joint_angles` (unsigned: hyperextension reads as a small flexion);
    in a front view it is the projection of the bend, which is what the live page, playback and
    the squat movement signal show (Norkin & White 2016 for the clinical definitions; a 2D
    projection is exact only for movement in the plane the camera sees). NaN where a point is
    missing.
    """
    p = _points(traj)
    out: dict[str, FloatArray] = {}
    for joint in joints if joints is not None else tuple(BEND_DEFINITIONS):
        a, b, c, offset, sign = BEND_DEFINITIONS[joint]
        out[joint] = np.asarray(offset + sign * interior_angle(p[a], p[b], p[c]), dtype=np.float64)
    return out


#: Joints whose flexion read in the image plane is reported beside the plane-specific angles.
IMAGE_PLANE_JOINTS = ("left_knee", "right_knee", "left_hip", "right_hip")


def reported_angles(traj: Trajectories, *, view: View | None = None) -> dict[str, FloatArray]:
    """The angle series the product reports and exports, every one in :data:`CONVENTION`.

    :func:`joint_angles` without the intermediate interior knee angle (``*_knee_angle``, 180 =
    straight), plus ``<joint>_flexion_image_plane`` for :data:`IMAGE_PLANE_JOINTS` from
    :func:`bend_angles` (every view; what the live page and playback show).
    """
    out = {k: v for k, v in joint_angles(traj, view=view).items() if not k.endswith("_knee_angle")}
    for joint, values in bend_angles(traj, joints=IMAGE_PLANE_JOINTS).items():
        out[f"{joint}_flexion_image_plane"] = values
    return out


def _valgus(p: dict[str, FloatArray], side: str, bf: BodyFrame) -> FloatArray:
    other = "right" if side == "left" else "left"
    hip, knee, ankle = p[f"{side}_hip"], p[f"{side}_knee"], p[f"{side}_ankle"]

    def frontal(v: FloatArray) -> FloatArray:
        # Remove the anterior component; for image data the image plane is the frontal plane.
        if bf.planar:
            return v
        return np.asarray(v - _dot(v, bf.anterior)[:, None] * bf.anterior, dtype=np.float64)

    h, k, a = frontal(hip), frontal(knee), frontal(ankle)
    deviation = 180.0 - interior_angle(h, k, a)
    d = _unit(a - h)
    foot_of_knee = h + _dot(k - h, d)[:, None] * d
    medial = frontal(p[f"{other}_hip"] - hip)
    sign = np.sign(_dot(k - foot_of_knee, medial))
    return np.asarray(np.where(sign == 0, 1.0, sign) * deviation, dtype=np.float64)


def _medial_offset(p: dict[str, FloatArray], side: str, bf: BodyFrame) -> FloatArray:
    other = "right" if side == "left" else "left"
    medial = p[f"{other}_hip"] - p[f"{side}_hip"]
    width = np.linalg.norm(medial if not bf.planar else medial[:, :2], axis=1)
    if not bf.planar:
        medial = medial - _dot(medial, bf.anterior)[:, None] * bf.anterior
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(
            _dot(p[f"{side}_knee"] - p[f"{side}_ankle"], _unit(medial)) / width, dtype=np.float64
        )


@dataclass(frozen=True)
class RangeOfMotion:
    """Minimum, maximum and range (max - min) of an angle series in degrees, over seen frames."""

    min_deg: float
    max_deg: float
    range_deg: float
    mean_deg: float
    n_frames: int


def range_of_motion(angle_deg: FloatArray) -> RangeOfMotion:
    """Range of motion of one angle series ``(frames,)``; NaN fields if it was never measured."""
    a = np.asarray(angle_deg, dtype=np.float64)
    a = a[np.isfinite(a)]
    if a.size == 0:
        nan = float("nan")
        return RangeOfMotion(min_deg=nan, max_deg=nan, range_deg=nan, mean_deg=nan, n_frames=0)
    lo, hi = float(a.min()), float(a.max())
    return RangeOfMotion(
        min_deg=lo, max_deg=hi, range_deg=hi - lo, mean_deg=float(a.mean()), n_frames=int(a.size)
    )


def ranges_of_motion(angles: dict[str, FloatArray]) -> dict[str, RangeOfMotion]:
    """:func:`range_of_motion` for every series of :func:`joint_angles`."""
    return {k: range_of_motion(v) for k, v in angles.items()}
