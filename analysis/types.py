"""Array types, BlazePose indexing and the named-points trajectory type shared by the library.

Two kinds of input feed the library:

* pose-engine landmark arrays, ``(frames, 33, 4)`` = x, y, z, visibility in MediaPipe BlazePose
  order, NaN where a landmark was not seen. Image landmarks are in pixels (x right, y *down*);
  world landmarks are in metres, centred on the hips, with the same orientation (y down);
* motion-capture marker trajectories, a mapping from marker names to ``(frames, 3)`` arrays
  (e.g. an OpenSim TRC file, millimetres, Y up).

Both are turned into :class:`Trajectories`, a set of named ``(frames, 3)`` point trajectories with
their sampling rate and a description of the axes (which one is vertical, which sign is up, and
how many metres one unit is, when known). Everything downstream (angles, gait, balance...) reads
points by name, so marker data and landmarks go through the same code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]

#: ``(frames, 33, 4)``: x, y, z, visibility; NaN = not seen.
Landmarks = FloatArray


class InputError(ValueError):
    """Input that the library cannot analyse; the message is one sentence for a person."""


class BlazePose(IntEnum):
    """MediaPipe BlazePose landmark indices (33 landmarks)."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


N_LANDMARKS = len(BlazePose)

#: Left/right landmark pairs (left index, right index), used by swap repair and mirroring.
LEFT_RIGHT_PAIRS: tuple[tuple[int, int], ...] = tuple(
    (int(m), int(BlazePose[m.name.replace("LEFT_", "RIGHT_")]))
    for m in BlazePose
    if m.name.startswith("LEFT_")
)

#: Derived points added by :meth:`Trajectories.from_landmarks`: name -> points averaged.
DERIVED_POINTS: dict[str, tuple[str, ...]] = {
    "pelvis": ("left_hip", "right_hip"),
    "mid_shoulder": ("left_shoulder", "right_shoulder"),
    "mid_ear": ("left_ear", "right_ear"),
    "left_toe": ("left_foot_index",),
    "right_toe": ("right_foot_index",),
    "left_hand": ("left_index", "left_pinky"),
    "right_hand": ("right_index", "right_pinky"),
}


def validate_landmarks(landmarks: object) -> Landmarks:
    """Return ``landmarks`` as a float array, or raise :class:`InputError` naming the expected shape."""
    arr = np.asarray(landmarks, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[1] != N_LANDMARKS or arr.shape[2] not in (3, 4):
        raise InputError(
            f"Expected landmarks of shape (frames, 33, 4) = x, y, z, visibility, got shape {arr.shape}."
        )
    if arr.shape[2] == 3:
        # No visibility channel: everything that is finite counts as seen.
        vis = np.where(np.isfinite(arr[..., :1]).all(axis=-1, keepdims=True), 1.0, np.nan)
        arr = np.concatenate([arr, vis], axis=-1)
    return arr


@dataclass(frozen=True)
class Axes:
    """How to read the coordinates of a :class:`Trajectories`.

    ``vertical``: index (0, 1 or 2) of the vertical axis. ``up_sign``: +1 if the coordinate grows
    upwards (motion capture, Y up), -1 if it grows downwards (image and MediaPipe world
    coordinates, y down). ``metres_per_unit``: scale to metres when the units are physical
    (1.0 for metres, 0.001 for millimetres), ``None`` for pixels. ``planar``: True when only the
    first two coordinates are trustworthy (image landmarks; MediaPipe's image z is a rough
    relative depth), so angles are measured in the image plane.
    """

    vertical: int = 1
    up_sign: float = 1.0
    metres_per_unit: float | None = 1.0
    planar: bool = False
    units: str = "m"

    def up_vector(self) -> FloatArray:
        """Unit vector pointing up, shape ``(3,)``."""
        up = np.zeros(3)
        up[self.vertical] = self.up_sign
        return up


IMAGE_AXES = Axes(vertical=1, up_sign=-1.0, metres_per_unit=None, planar=True, units="px")
MEDIAPIPE_WORLD_AXES = Axes(vertical=1, up_sign=-1.0, metres_per_unit=1.0, planar=False, units="m")


@dataclass(frozen=True)
class Trajectories:
    """Named point trajectories sampled at ``sampling_rate_hz``.

    ``points`` maps a name to a ``(frames, 3)`` float array; NaN marks a frame where the point was
    not seen. All arrays have the same number of frames.
    """

    points: Mapping[str, FloatArray]
    sampling_rate_hz: float
    axes: Axes = field(default_factory=Axes)

    def __post_init__(self) -> None:
        if not np.isfinite(self.sampling_rate_hz) or self.sampling_rate_hz <= 0:
            raise InputError(
                f"The sampling rate must be a positive number of frames per second, got {self.sampling_rate_hz}."
            )
        lengths = {name: np.shape(arr) for name, arr in self.points.items()}
        shapes = set(lengths.values())
        if len(shapes) > 1 or any(len(s) != 2 or s[1] != 3 for s in shapes):
            raise InputError(f"Every point trajectory must have shape (frames, 3), got {lengths}.")

    @property
    def n_frames(self) -> int:
        for arr in self.points.values():
            return int(arr.shape[0])
        return 0

    @property
    def time_s(self) -> FloatArray:
        """Time of each frame in seconds, starting at 0."""
        return np.arange(self.n_frames, dtype=np.float64) / self.sampling_rate_hz

    def has(self, *names: str) -> bool:
        return all(n in self.points for n in names)

    def get(self, name: str) -> FloatArray:
        """The ``(frames, 3)`` trajectory of ``name``; :class:`InputError` if absent."""
        try:
            return self.points[name]
        except KeyError:
            known = ", ".join(sorted(self.points)) or "none"
            raise InputError(f"The recording has no point named {name!r} (known points: {known}).") from None

    def mean_of(self, names: Iterable[str]) -> FloatArray:
        """Frame-wise mean of several points; NaN in a frame where any of them is missing."""
        stack = np.stack([self.get(n) for n in names])
        return np.asarray(stack.mean(axis=0), dtype=np.float64)

    def with_points(self, points: Mapping[str, FloatArray]) -> Trajectories:
        """A copy with ``points`` added or replaced."""
        merged = dict(self.points)
        merged.update(points)
        return replace(self, points=merged)

    def vertical(self, name: str) -> FloatArray:
        """Height of ``name`` along the up direction, shape ``(frames,)`` (bigger = higher)."""
        return np.asarray(self.get(name)[:, self.axes.vertical] * self.axes.up_sign, dtype=np.float64)

    @classmethod
    def from_landmarks(
        cls,
        landmarks: object,
        *,
        sampling_rate_hz: float,
        world: bool = False,
        min_visibility: float = 0.5,
        image_size_px: tuple[int, int] | None = None,
    ) -> Trajectories:
        """Named trajectories from a BlazePose ``(frames, 33, 4)`` array.

        Landmarks with visibility below ``min_visibility`` become NaN. Image landmarks are taken in
        pixels; if they are normalised to [0, 1] pass ``image_size_px=(width, height)`` so both axes
        get the same unit (angles are wrong otherwise). MediaPipe's image z is scaled like x. Adds
        the derived points of :data:`DERIVED_POINTS` (``pelvis`` = mid-hip, ``left_toe`` = left foot
        index, ...).
        """
        arr = validate_landmarks(landmarks).copy()
        xyz = arr[..., :3]
        vis = arr[..., 3]
        hidden = ~(np.nan_to_num(vis, nan=0.0) >= min_visibility)
        xyz[hidden] = np.nan
        if image_size_px is not None and not world:
            width, height = image_size_px
            xyz = xyz * np.array([width, height, width], dtype=np.float64)
        points: dict[str, FloatArray] = {m.name.lower(): xyz[:, int(m), :] for m in BlazePose}
        for name, parts in DERIVED_POINTS.items():
            points[name] = np.mean(np.stack([points[p] for p in parts]), axis=0)
        return cls(
            points=points,
            sampling_rate_hz=sampling_rate_hz,
            axes=MEDIAPIPE_WORLD_AXES if world else IMAGE_AXES,
        )
