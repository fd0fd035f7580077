"""Gait analysis: events, temporal and spatial parameters, symmetry, variability, flags and norms."""

from __future__ import annotations

from analysis.gait.events import (
    FEET,
    GAIT_POINTS,
    EventKind,
    Foot,
    GaitEvent,
    GaitEventConfig,
    GaitEvents,
    OmittedEvent,
    detect_gait_events,
    detect_vertical_axis,
)
from analysis.gait.norms import (
    ASYMMETRY_LIMITS,
    NORMATIVE_RANGES,
    GaitFlag,
    NormComparison,
    compare_with_norms,
)
from analysis.gait.parameters import GaitParameters, Sided, gait_flags, gait_parameters
from analysis.gait.scale import (
    BodyHeight,
    HeightConfig,
    Scale,
    body_height_units,
    robust_body_height,
    scale_from_height,
    scale_from_known_length,
    scale_from_units,
)
from analysis.gait.symmetry import Stats, Symmetry, stats, symmetry
from analysis.types import Landmarks, Trajectories


def gait_from_landmarks(
    landmarks: Landmarks,
    *,
    sampling_rate_hz: float,
    height_m: float | None = None,
    image_size_px: tuple[int, int] | None = None,
    config: GaitEventConfig | None = None,
) -> tuple[GaitEvents, GaitParameters]:
    """Events and parameters from BlazePose image landmarks ``(frames, 33, 4)`` at ``sampling_rate_hz``.

    Lengths are in metres when ``height_m`` (the patient's height) is given; otherwise only
    temporal parameters are computed. Raises :class:`~analysis.types.InputError` with the reason
    when the height gives no trustworthy scale (see :func:`scale_from_height`).
    """
    traj = Trajectories.from_landmarks(
        landmarks, sampling_rate_hz=sampling_rate_hz, image_size_px=image_size_px
    )
    events = detect_gait_events(traj, config=config)
    scale = scale_from_height(traj, height_m=height_m) if height_m is not None else None
    return events, gait_parameters(events, traj, scale=scale)


__all__ = [
    "ASYMMETRY_LIMITS",
    "FEET",
    "GAIT_POINTS",
    "NORMATIVE_RANGES",
    "BodyHeight",
    "EventKind",
    "Foot",
    "GaitEvent",
    "GaitEventConfig",
    "GaitEvents",
    "GaitFlag",
    "GaitParameters",
    "HeightConfig",
    "NormComparison",
    "OmittedEvent",
    "Scale",
    "Sided",
    "Stats",
    "Symmetry",
    "body_height_units",
    "compare_with_norms",
    "detect_gait_events",
    "detect_vertical_axis",
    "gait_flags",
    "gait_from_landmarks",
    "gait_parameters",
    "robust_body_height",
    "scale_from_height",
    "scale_from_known_length",
    "scale_from_units",
    "stats",
    "symmetry",
]
