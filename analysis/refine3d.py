"""Subject-specific skeleton with constant bone lengths, fitted to world landmarks and 2D keypoints.

MediaPipe's world landmarks are estimated frame by frame, so a subject's bones stretch and shrink
by several per cent between frames. This module fits, for each frame, joint positions that

* stay close to the world landmarks (weighted by visibility),
* re-project onto the 2D keypoints through a per-frame weak-perspective camera (MediaPipe's world
  axes are aligned with the image axes: x right, y down), when image landmarks are given,
* keep every bone at one subject-specific length (the visibility-weighted median over the
  recording, averaged between left and right), and
* move smoothly (second differences penalised),

by sparse nonlinear least squares (``scipy.optimize.least_squares``, trust-region reflective)
over overlapping chunks of frames. Bone-length variation (coefficient of variation) is reported
before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares
from scipy.sparse import lil_matrix

from analysis.types import BlazePose as BP
from analysis.types import BoolArray, FloatArray, InputError, IntArray, Landmarks, validate_landmarks

JOINTS: tuple[int, ...] = tuple(
    int(j)
    for j in (
        BP.LEFT_SHOULDER, BP.RIGHT_SHOULDER, BP.LEFT_ELBOW, BP.RIGHT_ELBOW, BP.LEFT_WRIST, BP.RIGHT_WRIST,
        BP.LEFT_HIP, BP.RIGHT_HIP, BP.LEFT_KNEE, BP.RIGHT_KNEE, BP.LEFT_ANKLE, BP.RIGHT_ANKLE,
        BP.LEFT_HEEL, BP.RIGHT_HEEL, BP.LEFT_FOOT_INDEX, BP.RIGHT_FOOT_INDEX,
    )
)  # fmt: skip
BONES: tuple[tuple[int, int], ...] = tuple(
    (int(a), int(b))
    for a, b in (
        (BP.LEFT_SHOULDER, BP.RIGHT_SHOULDER), (BP.LEFT_HIP, BP.RIGHT_HIP),
        (BP.LEFT_SHOULDER, BP.LEFT_HIP), (BP.RIGHT_SHOULDER, BP.RIGHT_HIP),
        (BP.LEFT_SHOULDER, BP.LEFT_ELBOW), (BP.RIGHT_SHOULDER, BP.RIGHT_ELBOW),
        (BP.LEFT_ELBOW, BP.LEFT_WRIST), (BP.RIGHT_ELBOW, BP.RIGHT_WRIST),
        (BP.LEFT_HIP, BP.LEFT_KNEE), (BP.RIGHT_HIP, BP.RIGHT_KNEE),
        (BP.LEFT_KNEE, BP.LEFT_ANKLE), (BP.RIGHT_KNEE, BP.RIGHT_ANKLE),
        (BP.LEFT_ANKLE, BP.LEFT_HEEL), (BP.RIGHT_ANKLE, BP.RIGHT_HEEL),
        (BP.LEFT_HEEL, BP.LEFT_FOOT_INDEX), (BP.RIGHT_HEEL, BP.RIGHT_FOOT_INDEX),
        (BP.LEFT_ANKLE, BP.LEFT_FOOT_INDEX), (BP.RIGHT_ANKLE, BP.RIGHT_FOOT_INDEX),
    )
)  # fmt: skip


@dataclass(frozen=True)
class RefineConfig:
    """Residual weights (relative, per metre) and chunking of :func:`refine_skeleton`."""

    world_weight: float = 1.0
    image_weight: float = 1.0
    bone_weight: float = 20.0
    smooth_weight: float = 2.0
    chunk_frames: int = 60
    overlap_frames: int = 10
    min_visibility: float = 0.5


@dataclass(frozen=True)
class RefinedSkeleton:
    """``world``: ``(frames, 33, 3)`` refined world coordinates (joints of :data:`JOINTS` fitted, the
    other landmarks carried over); ``bone_lengths_m``: the fitted length per bone;
    ``bone_cv_before_pct``/``after``: mean over bones of the coefficient of variation of the length
    across frames; ``reprojection_px_before``/``after``: mean 2D distance to the keypoints."""

    world: FloatArray
    bone_lengths_m: dict[str, float]
    bone_cv_before_pct: float
    bone_cv_after_pct: float
    reprojection_px_before: float
    reprojection_px_after: float
    config: RefineConfig


def bone_length_cv(points: FloatArray, *, seen: BoolArray | None = None) -> float:
    """Mean over :data:`BONES` of 100 * SD / mean of the bone length across frames; ``points`` ``(frames, 33, 3)``."""
    cvs = []
    for a, b in BONES:
        length = np.linalg.norm(points[:, a] - points[:, b], axis=1)
        if seen is not None:
            length = length[seen[:, a] & seen[:, b]]
        length = length[np.isfinite(length)]
        if length.size > 1 and length.mean() > 0:
            cvs.append(100.0 * length.std() / length.mean())
    return float(np.mean(cvs)) if cvs else float("nan")


def _name(i: int) -> str:
    return BP(i).name.lower()


def _bone_kind(a: int, b: int) -> tuple[str, str]:
    """The bone's name without its side, e.g. ("elbow", "shoulder") for both upper arms."""
    x, y = (_name(i).replace("left_", "").replace("right_", "") for i in (a, b))
    return (x, y) if x <= y else (y, x)


def _subject_lengths(world: FloatArray, seen: BoolArray) -> FloatArray:
    lengths = np.zeros(len(BONES))
    for k, (a, b) in enumerate(BONES):
        ok = seen[:, a] & seen[:, b]
        d = np.linalg.norm(world[ok, a] - world[ok, b], axis=1)
        lengths[k] = np.median(d) if d.size else np.nan
    # One skeleton per subject: left and right limbs get the same length.
    groups: dict[tuple[str, str], list[int]] = {}
    for k, (a, b) in enumerate(BONES):
        groups.setdefault(_bone_kind(a, b), []).append(k)
    out = lengths.copy()
    for ks in groups.values():
        vals = lengths[ks]
        if np.isfinite(vals).any():
            out[ks] = np.nanmean(vals)
    return out


def _camera(world: FloatArray, image: FloatArray, seen2d: BoolArray) -> tuple[FloatArray, FloatArray]:
    """Per-frame weak-perspective scale ``(frames,)`` and offset ``(frames, 2)``: uv = s * xy + t."""
    n = world.shape[0]
    s = np.full(n, np.nan)
    t = np.full((n, 2), np.nan)
    for f in range(n):
        ok = seen2d[f] & np.isfinite(world[f]).all(axis=1)
        if ok.sum() < 3:
            continue
        xy, uv = world[f, ok, :2], image[f, ok, :2]
        xc, uc = xy - xy.mean(axis=0), uv - uv.mean(axis=0)
        denom = float((xc**2).sum())
        if denom <= 0:
            continue
        s[f] = float((xc * uc).sum()) / denom
        t[f] = uv.mean(axis=0) - s[f] * xy.mean(axis=0)
    return s, t


def refine_skeleton(
    world_landmarks: Landmarks,
    image_landmarks: Landmarks | None = None,
    *,
    config: RefineConfig | None = None,
) -> RefinedSkeleton:
    """Fit the constant-bone-length skeleton (see the module docstring).

    ``world_landmarks``: ``(frames, 33, 4)`` MediaPipe world coordinates in metres with visibility;
    ``image_landmarks``: the same frames' ``(frames, 33, 4)`` pixel keypoints, optional.
    """
    cfg = config or RefineConfig()
    w = validate_landmarks(world_landmarks)
    n = w.shape[0]
    world = w[..., :3].copy()
    seen = (np.nan_to_num(w[..., 3]) >= cfg.min_visibility) & np.isfinite(world).all(axis=2)
    if not seen[:, list(JOINTS)].any(axis=0).all():
        raise InputError("Some body joints are never visible, so no skeleton can be fitted.")
    lengths = _subject_lengths(world, seen)
    img = None if image_landmarks is None else validate_landmarks(image_landmarks)
    if img is not None and img.shape[0] != n:
        raise InputError("World and image landmarks must have the same number of frames.")
    if img is not None:
        seen2d = (np.nan_to_num(img[..., 3]) >= cfg.min_visibility) & np.isfinite(img[..., :2]).all(axis=2)
        scale, offset = _camera(world, img, seen2d)
    # Start from the world landmarks, with unseen joints filled from the nearest seen frame.
    start = world.copy()
    for j in JOINTS:
        good = np.flatnonzero(seen[:, j])
        idx = np.arange(n)
        for d in range(3):
            start[:, j, d] = np.interp(idx, good, world[good, j, d])
    out = start.copy()
    jidx = {j: k for k, j in enumerate(JOINTS)}
    bone_pairs = np.array([(jidx[a], jidx[b]) for a, b in BONES], dtype=np.intp)
    step = max(cfg.chunk_frames - cfg.overlap_frames, 1)
    c0 = 0
    while c0 < n:
        c1 = min(n, c0 + cfg.chunk_frames)
        frames = np.arange(c0, c1)
        anchor = out[c0 - 2 : c0][:, list(JOINTS)] if c0 >= 2 else None
        x0 = out[frames][:, list(JOINTS)].reshape(-1)
        target = world[frames][:, list(JOINTS)]
        vis = seen[frames][:, list(JOINTS)].astype(float)
        image_term = None
        if img is not None:
            vis2 = seen2d[frames][:, list(JOINTS)].astype(float) * np.isfinite(scale[frames])[:, None]
            image_term = (
                img[frames][:, list(JOINTS), :2],
                vis2,
                np.nan_to_num(scale[frames], nan=1.0),
                np.nan_to_num(offset[frames]),
            )
        fitted = _solve_chunk(x0, target, vis, image_term, lengths, bone_pairs, anchor, cfg)
        m = frames.size
        # Keep the earlier chunk's frames in the overlap; take this chunk's new frames.
        keep_from = 0 if c0 == 0 else min(cfg.overlap_frames // 2, m)
        out[c0 + keep_from : c1, list(JOINTS)] = fitted[keep_from:]
        if c1 == n:
            break
        c0 += step
    names = {f"{_name(a)}-{_name(b)}": float(lengths[k]) for k, (a, b) in enumerate(BONES)}
    rep_before = rep_after = float("nan")
    if img is not None:
        rep_before = _reprojection(world, img, seen2d, scale, offset)
        rep_after = _reprojection(out, img, seen2d, scale, offset)
    return RefinedSkeleton(
        world=out,
        bone_lengths_m=names,
        bone_cv_before_pct=bone_length_cv(world, seen=seen),
        bone_cv_after_pct=bone_length_cv(out),
        reprojection_px_before=rep_before,
        reprojection_px_after=rep_after,
        config=cfg,
    )


def _solve_chunk(
    x0: FloatArray,
    target: FloatArray,
    vis: FloatArray,
    image_term: tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None,
    lengths: FloatArray,
    bone_pairs: IntArray,
    anchor: FloatArray | None,
    cfg: RefineConfig,
) -> FloatArray:
    """Least-squares fit of one chunk; ``anchor``: the two solved frames before it (held fixed)."""
    m, nj = target.shape[0], target.shape[1]
    tgt = np.nan_to_num(target)

    def residuals(x: FloatArray) -> FloatArray:
        p = x.reshape(m, nj, 3)
        parts = [(cfg.world_weight * vis[..., None] * (p - tgt)).ravel()]
        if image_term is not None:
            uv, vis2, s_f, t_f = image_term
            proj = s_f[:, None, None] * p[..., :2] + t_f[:, None, :]
            # Divided by the scale, image residuals are in metres like the others.
            parts.append(
                (cfg.image_weight * vis2[..., None] * (proj - np.nan_to_num(uv)) / s_f[:, None, None]).ravel()
            )
        bl = np.linalg.norm(p[:, bone_pairs[:, 0]] - p[:, bone_pairs[:, 1]], axis=2)
        parts.append((cfg.bone_weight * (bl - lengths[None, :])).ravel())
        full = p if anchor is None else np.concatenate([anchor, p], axis=0)
        if full.shape[0] >= 3:
            parts.append((cfg.smooth_weight * (full[:-2] - 2 * full[1:-1] + full[2:])).ravel())
        return np.concatenate(parts)

    sparsity = _sparsity(m, nj, bone_pairs, with_image=image_term is not None, anchored=anchor is not None)
    sol = least_squares(residuals, x0, jac_sparsity=sparsity, method="trf", max_nfev=30)
    return np.asarray(sol.x, dtype=np.float64).reshape(m, nj, 3)


def _reprojection(
    points: FloatArray, img: FloatArray, seen2d: FloatArray, scale: FloatArray, offset: FloatArray
) -> float:
    j = list(JOINTS)
    proj = scale[:, None, None] * points[:, j, :2] + offset[:, None, :]
    d = np.linalg.norm(proj - img[:, j, :2], axis=2)
    d = d[seen2d[:, j] & np.isfinite(d)]
    return float(d.mean()) if d.size else float("nan")


def _sparsity(m: int, nj: int, bones: IntArray, *, with_image: bool, anchored: bool) -> lil_matrix:
    nv = m * nj * 3
    rows: list[tuple[int, list[int]]] = []

    def var(f: int, j: int, d: int) -> int:
        return (f * nj + j) * 3 + d

    for f in range(m):
        for j in range(nj):
            for d in range(3):
                rows.append((len(rows), [var(f, j, d)]))
    if with_image:
        for f in range(m):
            for j in range(nj):
                for d in range(2):
                    rows.append((len(rows), [var(f, j, d)]))
    for f in range(m):
        for a, b in bones:
            rows.append(
                (len(rows), [var(f, int(a), d) for d in range(3)] + [var(f, int(b), d) for d in range(3)])
            )
    total = m + (2 if anchored else 0)
    for g in range(total - 2):
        for j in range(nj):
            for d in range(3):
                cols = []
                for k in range(3):
                    f = g + k - (2 if anchored else 0)
                    if 0 <= f < m:
                        cols.append(var(f, j, d))
                rows.append((len(rows), cols))
    sp = lil_matrix((len(rows), nv), dtype=np.int8)
    for r, cols in rows:
        sp[r, cols] = 1
    return sp
