"""Pose estimation behind a small protocol, with the MediaPipe Tasks ``PoseLandmarker`` adapter.

Array conventions (all ``float64``; "pixels" are of the frame as displayed, after rotation):

- ``image``: ``(33, 4)`` = x_px, y_px, z_px, visibility. x to the right, y down, origin at the
  top-left corner. z is MediaPipe's relative depth (hip midpoint = 0, smaller = closer to the
  camera) scaled by the frame width, i.e. roughly the same scale as x.
- ``normalized``: ``(33, 3)`` = x / width, y / height, z / width (MediaPipe's raw output).
- ``presence``: ``(33,)`` probability that the landmark is inside the frame.
- ``world``: ``(33, 4)`` = x, y, z in metres, visibility. Origin at the hip midpoint, y down,
  as MediaPipe's ``pose_world_landmarks`` (a metric estimate assuming average body size).
- ``bbox``: ``(4,)`` = x_min, y_min, x_max, y_max in pixels, the extent of all 33 landmarks
  clipped to the frame.

Visibility and presence are probabilities in [0, 1]. Where a time series has no detection for
a frame, every value is NaN (see :mod:`capture.pipeline`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol, Self

import numpy as np
from numpy.typing import NDArray

from capture import variants
from capture.landmarks import COCO17_FROM_BLAZEPOSE, NUM_LANDMARKS
from capture.native import quiet_native_stderr

FloatArray = NDArray[np.float64]
RunningMode = Literal["video", "image"]


@dataclass(frozen=True, eq=False)
class PersonPose:
    """One person in one frame. Shapes and units are in the module docstring."""

    image: FloatArray
    normalized: FloatArray
    presence: FloatArray
    world: FloatArray
    bbox: FloatArray

    @property
    def coco17(self) -> FloatArray:
        """``(17, 4)`` COCO-17 keypoints (x_px, y_px, z_px, visibility) in COCO order."""
        return self.image[COCO17_FROM_BLAZEPOSE]

    @property
    def score(self) -> float:
        """Mean landmark visibility, a cheap overall confidence in [0, 1]."""
        return float(np.mean(self.image[:, 3]))

    @property
    def height_px(self) -> float:
        return float(self.bbox[3] - self.bbox[1])


def person_from_arrays(
    normalized_xyz: FloatArray,
    visibility: FloatArray,
    presence: FloatArray,
    world_xyz: FloatArray,
    *,
    width_px: int,
    height_px: int,
) -> PersonPose:
    """Build a :class:`PersonPose` from MediaPipe-style normalised output.

    ``normalized_xyz`` is ``(33, 3)`` in MediaPipe units, ``world_xyz`` ``(33, 3)`` in metres,
    ``visibility`` and ``presence`` ``(33,)``. Raises ``ValueError`` naming the expected shape.
    """
    for name, arr, shape in (
        ("normalized_xyz", normalized_xyz, (NUM_LANDMARKS, 3)),
        ("world_xyz", world_xyz, (NUM_LANDMARKS, 3)),
        ("visibility", visibility, (NUM_LANDMARKS,)),
        ("presence", presence, (NUM_LANDMARKS,)),
    ):
        if arr.shape != shape:
            raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    scale = np.array([width_px, height_px, width_px], dtype=np.float64)
    image = np.empty((NUM_LANDMARKS, 4))
    image[:, :3] = normalized_xyz * scale
    image[:, 3] = visibility
    world = np.empty((NUM_LANDMARKS, 4))
    world[:, :3] = world_xyz
    world[:, 3] = visibility
    x = np.clip(image[:, 0], 0.0, float(width_px))
    y = np.clip(image[:, 1], 0.0, float(height_px))
    bbox = np.array([x.min(), y.min(), x.max(), y.max()])
    return PersonPose(
        image=image,
        normalized=np.asarray(normalized_xyz, dtype=np.float64).copy(),
        presence=np.asarray(presence, dtype=np.float64).copy(),
        world=world,
        bbox=bbox,
    )


def person_in_frame(
    person: PersonPose, *, offset_px: tuple[int, int], width_px: int, height_px: int
) -> PersonPose:
    """``person`` estimated on a crop whose top-left corner is at ``offset_px`` = (x, y) of a
    ``width_px`` x ``height_px`` frame, in that frame's coordinates (world landmarks unchanged)."""
    dx, dy = offset_px
    image = person.image[:, :3] + np.array([dx, dy, 0.0])
    normalized = image / np.array([width_px, height_px, width_px], dtype=np.float64)
    return person_from_arrays(
        normalized,
        person.image[:, 3].copy(),
        person.presence,
        person.world[:, :3],
        width_px=width_px,
        height_px=height_px,
    )


class PoseEstimator(Protocol):
    """Anything that turns an RGB frame into the people in it.

    ``frame_rgb`` is ``(height, width, 3)`` ``uint8`` RGB. ``timestamp_ms`` must increase strictly
    from call to call for estimators that track between frames.
    """

    @property
    def variant(self) -> str: ...

    def estimate(self, frame_rgb: NDArray[np.uint8], *, timestamp_ms: int) -> list[PersonPose]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class PoseConfig:
    """MediaPipe PoseLandmarker settings.

    ``num_poses`` is the most people reported per frame. With more than one pose MediaPipe runs
    the detector on every frame and applies no temporal smoothing, so the landmarks are raw
    per-frame estimates; smoothing belongs to the analysis filters.
    """

    num_poses: int = 3
    min_pose_detection_confidence: float = 0.5
    min_pose_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5

    def __post_init__(self) -> None:
        if self.num_poses < 1:
            raise ValueError(f"num_poses must be at least 1, got {self.num_poses}")
        for name in (
            "min_pose_detection_confidence",
            "min_pose_presence_confidence",
            "min_tracking_confidence",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {value}")


@dataclass
class MediaPipePoseEstimator:
    """:class:`PoseEstimator` running a BlazePose variant through MediaPipe Tasks.

    ``mode="video"`` uses ``detect_for_video`` (strictly increasing timestamps, MediaPipe may reuse
    the previous frame's region of interest); ``mode="image"`` treats every frame independently.
    The bundle is looked up with :func:`capture.variants.bundle_path`, which raises a
    :class:`~capture.variants.ModelNotInstalledError` naming ``make install`` when it is missing.
    """

    model: str = variants.DEFAULT_VARIANT
    mode: RunningMode = "video"
    config: PoseConfig = field(default_factory=PoseConfig)
    model_directory: Path | None = None
    _landmarker: Any = field(init=False, repr=False)
    _last_timestamp_ms: int | None = field(init=False, default=None, repr=False)
    _calls: int = field(init=False, default=0, repr=False)

    def __post_init__(self) -> None:
        if self.mode not in ("video", "image"):
            raise ValueError(f"mode must be 'video' or 'image', got {self.mode!r}")
        path = variants.bundle_path(self.model, directory=self.model_directory)
        # Imported here so that modules using only the protocol do not load MediaPipe.
        from mediapipe.tasks.python import BaseOptions, vision

        running_mode = vision.RunningMode.VIDEO if self.mode == "video" else vision.RunningMode.IMAGE
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=running_mode,
            num_poses=self.config.num_poses,
            min_pose_detection_confidence=self.config.min_pose_detection_confidence,
            min_pose_presence_confidence=self.config.min_pose_presence_confidence,
            min_tracking_confidence=self.config.min_tracking_confidence,
        )
        with quiet_native_stderr():
            self._landmarker = vision.PoseLandmarker.create_from_options(options)

    @property
    def variant(self) -> str:
        return self.model

    def estimate(self, frame_rgb: NDArray[np.uint8], *, timestamp_ms: int) -> list[PersonPose]:
        import mediapipe as mp

        if frame_rgb.ndim != 3 or frame_rgb.shape[2] != 3 or frame_rgb.dtype != np.uint8:
            raise ValueError(
                f"frame_rgb must be (height, width, 3) uint8, got {frame_rgb.shape} {frame_rgb.dtype}"
            )
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(frame_rgb))
        if self.mode == "video":
            if self._last_timestamp_ms is not None and timestamp_ms <= self._last_timestamp_ms:
                raise ValueError(
                    f"timestamps must increase: got {timestamp_ms} ms after {self._last_timestamp_ms} ms"
                )
            self._last_timestamp_ms = timestamp_ms
        self._calls += 1
        with quiet_native_stderr() if self._calls <= 2 else contextlib.nullcontext():
            if self.mode == "video":
                result = self._landmarker.detect_for_video(image, timestamp_ms)
            else:
                result = self._landmarker.detect(image)
        height_px, width_px = frame_rgb.shape[:2]
        return [
            _person_from_mediapipe(lms, world, width_px=width_px, height_px=height_px)
            for lms, world in zip(result.pose_landmarks, result.pose_world_landmarks, strict=True)
        ]

    def close(self) -> None:
        self._landmarker.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _prob(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def _person_from_mediapipe(
    landmarks: Sequence[Any], world_landmarks: Sequence[Any], *, width_px: int, height_px: int
) -> PersonPose:
    normalized = np.array([(lm.x, lm.y, lm.z) for lm in landmarks], dtype=np.float64)
    visibility = np.array([_prob(lm.visibility) for lm in landmarks], dtype=np.float64)
    presence = np.array([_prob(lm.presence) for lm in landmarks], dtype=np.float64)
    world = np.array([(lm.x, lm.y, lm.z) for lm in world_landmarks], dtype=np.float64)
    return person_from_arrays(normalized, visibility, presence, world, width_px=width_px, height_px=height_px)


@dataclass(frozen=True)
class MediaPipeEstimators:
    """Makes :class:`MediaPipePoseEstimator` s of one variant for a mode and settings.

    A picklable object rather than a closure, so that a child process can make its own
    (:mod:`capture.refine_runner`).
    """

    model: str = variants.DEFAULT_VARIANT
    model_directory: Path | None = None

    def __call__(self, mode: RunningMode, config: PoseConfig) -> PoseEstimator:
        return MediaPipePoseEstimator(
            self.model, mode=mode, config=config, model_directory=self.model_directory
        )
