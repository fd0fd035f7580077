"""Left/right swap repair for pose landmarks.

Single-camera pose models sometimes exchange the labels of the two legs (or arms) for a few
frames, typically in side views when one limb hides the other. A swap shows up as both limbs
jumping to where the *other* limb was predicted. Each limb group is tracked with a
constant-velocity prediction and the labels are swapped back in frames where the crossed
assignment explains the new positions much better than the labelled one. A second, non-causal
pass catches single-frame swaps that the prediction misses when a foot in swing moves fast:
a frame whose crossed labels sit much closer to the midpoint of its two neighbours.
"""

from __future__ import annotations

import warnings

import numpy as np

from analysis.types import BlazePose, BoolArray, FloatArray, Landmarks, validate_landmarks

LEG_GROUP = ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX")
ARM_GROUP = ("ELBOW", "WRIST", "PINKY", "INDEX", "THUMB")


def _ffill(x: FloatArray) -> FloatArray:
    """Carry the last seen position of each point forward over frames where it is missing."""
    seen = np.isfinite(x).all(axis=-1)  # (frames, points)
    idx = np.where(seen, np.arange(x.shape[0])[:, None], 0)
    np.maximum.accumulate(idx, axis=0, out=idx)
    return np.asarray(np.take_along_axis(x, idx[..., None], axis=0), dtype=np.float64)


def _mean_dist(a: FloatArray, b: FloatArray) -> FloatArray:
    """Mean over points of the distance between ``a`` and ``b`` (``(..., points, dims)``)."""
    d = np.linalg.norm(a - b, axis=-1)
    # A frame where no point of a group is seen has no distance: NaN, without numpy's warning.
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return (
            np.asarray(np.nanmean(d, axis=-1), dtype=np.float64) if d.ndim > 1 else np.asarray(np.nanmean(d))
        )


def repair_swaps(left: FloatArray, right: FloatArray, *, max_cost_ratio: float = 0.5) -> BoolArray:
    """Frames whose left/right labels should be exchanged.

    ``left``, ``right``: ``(frames, points, dims)`` positions of one limb group per side, NaN =
    not seen (missing points carry their last position). Each limb is predicted from the two
    previous, already repaired frames at constant velocity; a frame is flagged when the crossed
    assignment's mean distance to the predictions is below ``max_cost_ratio`` times the labelled
    one. The loop is sequential (a repair changes the next prediction), but while the two previous
    frames share one labelling the costs equal precomputed ones (exchanged if that labelling is
    swapped), so only frames right after a change of labelling are computed one by one.
    """
    lt = _ffill(np.asarray(left, dtype=np.float64))
    rt = _ffill(np.asarray(right, dtype=np.float64))
    n = lt.shape[0]
    swapped = np.zeros(n, dtype=bool)
    if n < 2:
        return swapped
    pred_l, pred_r = lt.copy(), rt.copy()
    pred_l[1:], pred_r[1:] = lt[:-1], rt[:-1]
    pred_l[2:] = 2 * lt[1:-1] - lt[:-2]
    pred_r[2:] = 2 * rt[1:-1] - rt[:-2]
    with np.errstate(invalid="ignore"):
        keep_raw = _mean_dist(lt, pred_l) + _mean_dist(rt, pred_r)
        cross_raw = _mean_dist(lt, pred_r) + _mean_dist(rt, pred_l)
    for t in range(1, n):
        prev_state = swapped[t - 1]
        if t == 1 or swapped[t - 2] == prev_state:
            keep, cross = (cross_raw[t], keep_raw[t]) if prev_state else (keep_raw[t], cross_raw[t])
        else:
            # Mixed labelling in the two previous frames: predict from the repaired positions.
            h1 = (rt[t - 1], lt[t - 1]) if prev_state else (lt[t - 1], rt[t - 1])
            h2 = (rt[t - 2], lt[t - 2]) if swapped[t - 2] else (lt[t - 2], rt[t - 2])
            pl, pr = 2 * h1[0] - h2[0], 2 * h1[1] - h2[1]
            with np.errstate(invalid="ignore"):
                keep = float(_mean_dist(lt[t], pl) + _mean_dist(rt[t], pr))
                cross = float(_mean_dist(lt[t], pr) + _mean_dist(rt[t], pl))
        # The raw labels of frame t against the repaired predictions: exchange them if crossing fits.
        swapped[t] = bool(cross < max_cost_ratio * keep)  # False when either is NaN
    return swapped


def isolated_swaps(left: FloatArray, right: FloatArray, *, max_cost_ratio: float = 0.5) -> BoolArray:
    """Single frames whose crossed labels fit the midpoint of both neighbours far better.

    ``left``, ``right``: ``(frames, points, dims)``, already repaired by :func:`repair_swaps`.
    A frame is flagged when, against the mean of the previous and next frames, the crossed
    assignment costs less than ``max_cost_ratio`` times the labelled one (False where a
    neighbour is unseen). Interpolating over one frame is accurate to far less than the distance
    between two feet in mid-stride, which is what makes an isolated swap stand out.
    """
    lt = np.asarray(left, dtype=np.float64)
    rt = np.asarray(right, dtype=np.float64)
    flagged = np.zeros(lt.shape[0], dtype=bool)
    if lt.shape[0] < 3:
        return flagged
    mid_l = 0.5 * (lt[:-2] + lt[2:])
    mid_r = 0.5 * (rt[:-2] + rt[2:])
    with np.errstate(invalid="ignore", divide="ignore"):
        keep = _mean_dist(lt[1:-1], mid_l) + _mean_dist(rt[1:-1], mid_r)
        cross = _mean_dist(lt[1:-1], mid_r) + _mean_dist(rt[1:-1], mid_l)
        ratio = cross / keep
    # A crossed frame also corrupts its neighbours' midpoints, so take the clearest frames first and
    # never flag two adjacent ones (a swap of two or more frames is repair_swaps' business).
    for i in np.argsort(ratio, kind="stable"):
        if not ratio[i] < max_cost_ratio:  # also stops at NaN, sorted last
            break
        t = int(i) + 1
        if not (flagged[t - 1] or flagged[t + 1]):
            flagged[t] = True
    return flagged


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
    landmarks: Landmarks, *, max_cost_ratio: float = 0.5, runs: bool = True
) -> tuple[Landmarks, dict[str, BoolArray]]:
    """Repair leg and arm label swaps in a BlazePose ``(frames, 33, 4)`` array.

    Uses the image-plane coordinates (x, y). Returns the repaired copy and, per group
    (``"legs"``, ``"arms"``), the mask of frames that were exchanged. ``runs=False`` repairs
    single-frame swaps only (:func:`isolated_swaps`), not runs (:func:`repair_swaps`): where the
    feet cross in a side view, both labellings fit the run repair's constant-velocity prediction
    and it can exchange a whole stance of correct labels (on the shared walk at 3840 x 2160,
    frames 94-108 and 130-142, each ending with the stance heel standing still under its raw
    label), which moves heel strikes by up to 7 frames.
    """
    out = validate_landmarks(landmarks)
    masks: dict[str, BoolArray] = {}
    for name, group in (("legs", LEG_GROUP), ("arms", ARM_GROUP)):
        li = [int(BlazePose["LEFT_" + g]) for g in group]
        ri = [int(BlazePose["RIGHT_" + g]) for g in group]
        mask = (
            repair_swaps(out[:, li, :2], out[:, ri, :2], max_cost_ratio=max_cost_ratio)
            if runs
            else np.zeros(out.shape[0], dtype=bool)
        )
        if mask.any():
            out = apply_swaps(out, mask, group=group)
        single = isolated_swaps(out[:, li, :2], out[:, ri, :2], max_cost_ratio=max_cost_ratio)
        if single.any():
            out = apply_swaps(out, single, group=group)
        masks[name] = mask ^ single
    return out, masks
