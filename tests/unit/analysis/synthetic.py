"""Synthetic stick figures with known joint angles, in BlazePose landmark layout.

The figure is built in a body-aligned world frame (x anterior, y up, z to the subject's right,
metres), then optionally turned about the vertical, translated, and converted to MediaPipe world
coordinates (y down) or to pixel image landmarks of a camera looking along +z or -z.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from analysis.types import BlazePose as BP

F = NDArray[np.float64]

THIGH, SHANK, TRUNK, UPPER_ARM, FOREARM, HAND, FOOT = 0.45, 0.43, 0.52, 0.30, 0.26, 0.08, 0.22
HALF_HIP, HALF_SHOULDER = 0.10, 0.19


def rot_z(v: F, deg: F) -> F:
    """Rotate vectors ``(frames, 3)`` about +z (the right axis) by ``deg`` (frames,)."""
    t = np.radians(deg)
    c, s = np.cos(t), np.sin(t)
    return np.stack([v[:, 0] * c - v[:, 1] * s, v[:, 0] * s + v[:, 1] * c, v[:, 2]], axis=1)


def rot_y(v: F, deg: float) -> F:
    """Rotate vectors about +y (up) by ``deg``: +z (right) turns towards +x (anterior)."""
    t = np.radians(deg)
    c, s = np.cos(t), np.sin(t)
    return np.stack([v[:, 0] * c + v[:, 2] * s, v[:, 1], -v[:, 0] * s + v[:, 2] * c], axis=1)


@dataclass
class Pose:
    """Joint angles per frame in degrees (arrays of equal length), conventions as analysis.angles."""

    n: int
    hip_flexion: dict[str, F] = field(default_factory=dict)
    knee_flexion: dict[str, F] = field(default_factory=dict)
    ankle_dorsiflexion: dict[str, F] = field(default_factory=dict)
    shoulder_flexion: dict[str, F] = field(default_factory=dict)
    shoulder_abduction: dict[str, F] = field(default_factory=dict)
    elbow_flexion: dict[str, F] = field(default_factory=dict)
    trunk_lean: F | None = None
    pelvis: F | None = None  # (frames, 3) in the body frame

    def get(self, table: dict[str, F], side: str) -> F:
        return table.get(side, np.zeros(self.n))


def build(pose: Pose) -> dict[str, F]:
    """Named 3D points ``(frames, 3)`` in the body frame (x anterior, y up, z right), metres."""
    n = pose.n
    pelvis = pose.pelvis if pose.pelvis is not None else np.tile([0.0, 0.95, 0.0], (n, 1))
    lean = pose.trunk_lean if pose.trunk_lean is not None else np.zeros(n)
    up_trunk = rot_z(np.tile([0.0, 1.0, 0.0], (n, 1)), -lean)
    mid_sh = pelvis + TRUNK * up_trunk
    right = np.tile([0.0, 0.0, 1.0], (n, 1))
    pts: dict[str, F] = {}
    for side, sgn in (("left", -1.0), ("right", 1.0)):
        hip = pelvis + sgn * HALF_HIP * right
        # Hip flexion is measured from the trunk's downward line.
        thigh = rot_z(-up_trunk, pose.get(pose.hip_flexion, side))
        knee = hip + THIGH * thigh
        shank = rot_z(thigh, -pose.get(pose.knee_flexion, side))
        ankle = knee + SHANK * shank
        foot = rot_z(shank, 90.0 + pose.get(pose.ankle_dorsiflexion, side))
        heel = ankle - 0.05 * foot
        toe = heel + FOOT * foot
        trunk_down = -up_trunk
        sh = mid_sh + sgn * HALF_SHOULDER * right
        arm = rot_z(trunk_down, pose.get(pose.shoulder_flexion, side))
        # Abduction: rotate about the anterior axis towards the subject's side.
        ab = np.radians(pose.get(pose.shoulder_abduction, side))
        arm = arm * np.cos(ab)[:, None] + sgn * right * np.sin(ab)[:, None]
        elbow = sh + UPPER_ARM * arm
        # Forearm bends forward in the arm's sagittal plane.
        forearm = rot_z(arm, pose.get(pose.elbow_flexion, side))
        wrist = elbow + FOREARM * forearm
        hand = wrist + HAND * forearm
        pts.update(
            {
                f"{side}_hip": hip,
                f"{side}_knee": knee,
                f"{side}_ankle": ankle,
                f"{side}_heel": heel,
                f"{side}_foot_index": toe,
                f"{side}_shoulder": sh,
                f"{side}_elbow": elbow,
                f"{side}_wrist": wrist,
                f"{side}_index": hand + 0.02 * right,
                f"{side}_pinky": hand - 0.02 * right,
                f"{side}_thumb": wrist + 0.03 * forearm + sgn * 0.03 * right,
                f"{side}_ear": mid_sh + 0.20 * up_trunk + sgn * 0.07 * right,
                f"{side}_eye": mid_sh + 0.25 * up_trunk + 0.08 * np.array([1.0, 0, 0]) + sgn * 0.03 * right,
                f"{side}_eye_inner": mid_sh
                + 0.25 * up_trunk
                + 0.09 * np.array([1.0, 0, 0])
                + sgn * 0.015 * right,
                f"{side}_eye_outer": mid_sh
                + 0.25 * up_trunk
                + 0.07 * np.array([1.0, 0, 0])
                + sgn * 0.045 * right,
                f"mouth_{side}": mid_sh
                + 0.15 * up_trunk
                + 0.09 * np.array([1.0, 0, 0])
                + sgn * 0.025 * right,
            }
        )
    pts["nose"] = mid_sh + 0.22 * up_trunk + 0.11 * np.array([1.0, 0, 0])
    return pts


def to_landmarks(
    pts: dict[str, F],
    *,
    mode: str = "world",
    heading_deg: float = 0.0,
    offset: tuple[float, float, float] = (0.0, 0.0, 0.0),
    px_per_m: float = 400.0,
    camera_on_right: bool = True,
) -> F:
    """BlazePose ``(frames, 33, 4)`` landmarks (visibility 1).

    ``heading_deg`` turns the figure about the vertical (0 = facing +x). ``mode="world"``: MediaPipe
    world axes (x, y down, z), metres. ``mode="image"``: pixels of a side camera (``camera_on_right``:
    placed on the subject's right, so a figure facing +x faces image right). ``mode="front"``: pixels
    of a camera in front of the subject.
    """
    n = next(iter(pts.values())).shape[0]
    out = np.ones((n, 33, 4))
    for m in BP:
        p = rot_y(pts[m.name.lower()], heading_deg) + np.asarray(offset)
        if mode == "world":
            # MediaPipe world axes are right-handed with y down: a 180 degree turn about x.
            xyz = np.stack([p[:, 0], -p[:, 1], -p[:, 2]], axis=1)
        elif mode == "front":
            # Camera in front of the subject: the subject's right appears on the image left.
            xyz = np.stack(
                [960.0 - px_per_m * p[:, 2], 900.0 - px_per_m * p[:, 1], -px_per_m * p[:, 0]], axis=1
            )
        else:
            sign = 1.0 if camera_on_right else -1.0
            u = 960.0 + sign * px_per_m * p[:, 0]
            v = 900.0 - px_per_m * p[:, 1]
            xyz = np.stack([u, v, -sign * px_per_m * p[:, 2]], axis=1)
        out[:, int(m), :3] = xyz
    return out


@dataclass
class Walker:
    """Gait points in a y-up world (metres) and the true event times per foot."""

    points: dict[str, F]
    sampling_rate_hz: float
    contacts: dict[str, list[float]]
    toe_offs: dict[str, list[float]]


def walker(
    segments: list[tuple[float, float, int]],
    *,
    sampling_rate_hz: float = 60.0,
    stride_s: float = 1.1,
    step_length_m: float = 0.65,
    swing_fraction: dict[str, float] | None = None,
    treadmill: bool = False,
    duration_s: float | None = None,
) -> Walker:
    """Feet and pelvis of a walker along x.

    ``segments``: ``(start_s, end_s, sign)`` walking bouts towards +x (sign 1) or -x (-1); outside
    them the walker stands still. Each foot swings for ``swing_fraction`` of the stride (default
    0.4) with zero speed at lift-off and contact, landing 0.6 step lengths ahead of the pelvis.
    With ``treadmill`` the pelvis progression is removed from every point.
    """
    swing_fraction = swing_fraction or {"left": 0.4, "right": 0.4}
    end = duration_s if duration_s is not None else max(b for _, b, _ in segments) + 1.0
    n = round(end * sampling_rate_hz)
    t = np.arange(n) / sampling_rate_hz
    speed = 2 * step_length_m / stride_s
    vel = np.zeros(n)
    for a, b, sign in segments:
        vel[(t >= a) & (t < b)] = sign * speed
    pelvis_x = np.cumsum(vel) / sampling_rate_hz
    foot_x = {"left": np.zeros(n), "right": np.zeros(n)}
    foot_h = {"left": np.zeros(n), "right": np.zeros(n)}
    facing = np.ones(n)
    for a, _, sign in segments:
        facing[t >= a] = sign
    contacts: dict[str, list[float]] = {"left": [], "right": []}
    toe_offs: dict[str, list[float]] = {"left": [], "right": []}
    for side, phase in (("right", 0.0), ("left", 0.5)):
        x = foot_x[side]
        swings = []
        for a, b, sign in segments:
            k = 0
            while True:
                s0 = a + (k + phase) * stride_s
                s1 = s0 + swing_fraction[side] * stride_s
                if s1 > b:
                    break
                swings.append((s0, s1, sign))
                k += 1
        cur = 0.0
        last_i = 0
        for s0, s1, sign in swings:
            i0, i1 = int(np.ceil(s0 * sampling_rate_hz)), int(np.ceil(s1 * sampling_rate_hz))
            x[last_i:i0] = cur
            target = np.interp(s1, t, pelvis_x) + sign * 0.6 * step_length_m
            tau = (t[i0:i1] - s0) / (s1 - s0)
            x[i0:i1] = cur + (target - cur) * (tau - np.sin(2 * np.pi * tau) / (2 * np.pi))
            foot_h[side][i0:i1] = 0.08 * np.sin(np.pi * tau)
            cur, last_i = target, i1
            toe_offs[side].append(s0)
            contacts[side].append(s1)
        x[last_i:] = cur
    if treadmill:
        for side in foot_x:
            foot_x[side] = foot_x[side] - pelvis_x
        pelvis_x = np.zeros(n)
    pts: dict[str, F] = {"pelvis": np.stack([pelvis_x, np.full(n, 0.95), np.zeros(n)], axis=1)}
    for side, z in (("left", -0.1), ("right", 0.1)):
        heel = np.stack([foot_x[side], 0.05 + foot_h[side], np.full(n, z)], axis=1)
        pts[f"{side}_heel"] = heel
        pts[f"{side}_toe"] = heel + np.stack([0.2 * facing, np.zeros(n), np.zeros(n)], axis=1)
    return Walker(points=pts, sampling_rate_hz=sampling_rate_hz, contacts=contacts, toe_offs=toe_offs)
