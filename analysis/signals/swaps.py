"""Left/right swap repair for pose landmarks.

Single-camera pose models sometimes exchange the labels of the two legs (or arms) for a few
frames, typically in side views when one limb hides the other. A swap shows up as both limbs
jumping to where the *other* limb was predicted. We track each limb group with a
constant-velocity prediction and swap the labels back in frames where the crossed assignment
explains the new positions much better than the labelled one.
"""

from __future__ import annotations

import numpy as np

from analysis.types import BlazePose, BoolArray, FloatArray, Landmarks, validate_landmarks

LEG_GROUP = ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX")
ARM_GROUP = ("ELBOW", "WRIST", "PINKY", "INDEX", "THUMB")


def _cost(a: FloatArray, b: FloatArray) -> float:
    d = np.linalg.norm(a - b, axis=-1)
    d = d[np.isfinite(d)]
    return float(d.mean()) if d.size else np.nan


def repair_swaps(left: FloatArray, right: FloatArray, *, max_cost_ratio: float = 0.5) -> BoolArray:
    """Frames whose left/right labels should be exchanged.

    ``left``, ``right``: ``(frames, points, dims)`` positions of one limb group per side, NaN =
    not seen. A frame is flagged when the mean distance of the crossed assignment to the
    predicted positions is below ``max_cost_ratio`` times that of the labelled assignment. The
    prediction extrapolates the last two (already repaired) frames at constant velocity.
    Returns a ``(frames,)`` boolean mask; apply it with :func:`apply_swaps`.
    """
    lt, rt = np.array(left, dtype=np.float64), np.array(right, dtype=np.float64)
    n = lt.shape[0]
    swapped = np.zeros(n, dtype=bool)
    prev: list[tuple[FloatArray, FloatArray]] = []
    for t in range(n):
        cur_l, cur_r = lt[t], rt[t]
        if len(prev) >= 1:
            if len(prev) >= 2:
                pred_l = 2 * prev[-1][0] - prev[-2][0]
                pred_r = 2 * prev[-1][1] - prev[-2][1]
                # Fall back to the last position where the velocity is unknown.
                pred_l = np.where(np.isfinite(pred_l), pred_l, prev[-1][0])
                pred_r = np.where(np.isfinite(pred_r), pred_r, prev[-1][1])
            else:
                pred_l, pred_r = prev[-1]
            keep = _cost(cur_l, pred_l) + _cost(cur_r, pred_r)
            cross = _cost(cur_l, pred_r) + _cost(cur_r, pred_l)
            if np.isfinite(keep) and np.isfinite(cross) and cross < max_cost_ratio * keep:
                swapped[t] = True
                cur_l, cur_r = cur_r, cur_l
        if np.isfinite(cur_l).any() or np.isfinite(cur_r).any():
            prev.append((cur_l, cur_r))
            prev = prev[-2:]
    return swapped


def apply_swaps(landmarks: Landmarks, swapped: BoolArray, *, group: tuple[str, ...]) -> Landmarks:
    """Copy of ``landmarks`` with the left/right landmarks of ``group`` exchanged where ``swapped``."""
    out = validate_landmarks(landmarks).copy()
    li = np.array([int(BlazePose["LEFT_" + g]) for g in group])
    ri = np.array([int(BlazePose["RIGHT_" + g]) for g in group])
    left = out[swapped][:, li].copy()
    out[np.ix_(swapped, li)] = out[swapped][:, ri]
    out[np.ix_(swapped, ri)] = left
    return out


def repair_landmark_swaps(
    landmarks: Landmarks, *, max_cost_ratio: float = 0.5
) -> tuple[Landmarks, dict[str, BoolArray]]:
    """Repair leg and arm label swaps in a BlazePose ``(frames, 33, 4)`` array.

    Uses the image-plane coordinates (x, y). Returns the repaired copy and, per group
    (``"legs"``, ``"arms"``), the mask of frames that were exchanged.
    """
    out = validate_landmarks(landmarks)
    masks: dict[str, BoolArray] = {}
    for name, group in (("legs", LEG_GROUP), ("arms", ARM_GROUP)):
        li = [int(BlazePose["LEFT_" + g]) for g in group]
        ri = [int(BlazePose["RIGHT_" + g]) for g in group]
        mask = repair_swaps(out[:, li, :2], out[:, ri, :2], max_cost_ratio=max_cost_ratio)
        masks[name] = mask
        if mask.any():
            out = apply_swaps(out, mask, group=group)
    return out, masks
