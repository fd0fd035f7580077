"""One point from several markers of a segment (a pelvis from its four ASIS/PSIS markers).

The plain mean of the markers is missing whenever any one of them is, and a dropped marker is
common in a lab (occluded by an arm, a walker turning away from the cameras): on the Camargo
circuit the mean of the four pelvis markers is missing in 94 frames although three are seen.

Here each marker's offset from the centre is measured where all of them are seen and carried
across the frames where some are not (linear between the nearest frames with all seen, held at
the ends), and the centre is the mean of the seen markers less their offsets. This is the idea of
a rigid-body ("pattern") gap fill: it holds while the segment does not turn much during the gap,
which short gaps satisfy; a frame where no marker is seen stays missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from analysis.types import FloatArray, InputError, Trajectories


def segment_centre(markers: list[FloatArray]) -> FloatArray:
    """The centre of ``markers`` (each ``(frames, 3)``, NaN where not seen), ``(frames, 3)``."""
    if not markers:
        raise InputError("A segment needs at least one marker.")
    stack = np.stack([np.asarray(m, dtype=np.float64) for m in markers])  # (markers, frames, 3)
    if stack.shape[0] == 1:
        return np.asarray(stack[0].copy(), dtype=np.float64)
    seen = np.isfinite(stack).all(axis=2)  # (markers, frames)
    every = seen.all(axis=0)
    if not every.any():
        # Never all seen together: no offsets to measure, so only the plain mean is honest.
        return np.asarray(np.mean(stack, axis=0), dtype=np.float64)
    frames = np.arange(stack.shape[1])
    mean_all = stack[:, every].mean(axis=0)  # (frames with all, 3)
    centre_sum = np.zeros(stack.shape[1:])
    count = np.zeros(stack.shape[1])
    for marker, visible in zip(stack, seen, strict=True):
        offset_known = marker[every] - mean_all
        offset = np.stack(
            [np.interp(frames, frames[every], offset_known[:, axis]) for axis in range(3)], axis=1
        )
        centre_sum[visible] += marker[visible] - offset[visible]
        count[visible] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = centre_sum / count[:, None]
    centre[count == 0] = np.nan
    return np.asarray(centre, dtype=np.float64)


def role_trajectories(traj: Trajectories, roles: Mapping[str, Sequence[str]], *, source: str) -> Trajectories:
    """The roles a detector reads (``left_heel``, ``pelvis``...) from a lab's marker names: each
    role the :func:`segment_centre` of its markers. InputError names a marker ``source`` (the
    file's name) does not hold, with the markers it does."""
    points = {}
    for role, names in roles.items():
        unknown = [n for n in names if n not in traj.points]
        if unknown:
            raise InputError(
                f"Marker {unknown[0]!r} is not in {source}; it has {', '.join(sorted(traj.points))}."
            )
        points[role] = segment_centre([traj.get(n) for n in names])
    return Trajectories(points=points, sampling_rate_hz=traj.sampling_rate_hz, axes=traj.axes)
