"""Choosing the main subject of a clip among the tracked people.

Default rule, ``"longest_largest"``: the patient is on screen for most of a clinical recording
and is usually the person nearest the camera. Candidates are the people tracked in at least
half as many frames as the longest-tracked person; among them the one with the largest median
body size wins (ties go to the longer-tracked). Body size is the pixel length of torso plus leg
(shoulder-centre to hip-centre, hip to knee, knee to ankle, legs averaged), which, unlike the box
height, does not grow when arms are raised or shrink when the person bends.

``"longest"`` and ``"largest"`` apply one criterion alone. An explicit person id overrides any rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, get_args

import numpy as np
from numpy.typing import NDArray

from capture.landmarks import LANDMARK_INDEX

SubjectRule = Literal["longest_largest", "longest", "largest"]
SUBJECT_RULES: Final[tuple[SubjectRule, ...]] = get_args(SubjectRule)
DEFAULT_SUBJECT_RULE: Final[SubjectRule] = "longest_largest"
# Candidates must be tracked in at least this fraction of the longest track's frames.
CANDIDATE_FRACTION: Final = 0.5

_L = LANDMARK_INDEX


class UnknownSubjectError(ValueError):
    """The requested subject id is not one of the people reported for the clip."""


@dataclass(frozen=True)
class Candidate:
    person_id: int
    frames_tracked: int
    body_size_px: float


def body_size_px(image: NDArray[np.float64]) -> NDArray[np.float64]:
    """Torso-plus-leg length in pixels per frame.

    ``image`` is ``(frames, 33, 4)`` (x_px, y_px, z, visibility; NaN where not seen). Returns
    ``(frames,)``, NaN for frames without the person.
    """
    xy = image[..., :2]

    def mid(a: str, b: str) -> NDArray[np.float64]:
        centre: NDArray[np.float64] = (xy[..., _L[a], :] + xy[..., _L[b], :]) / 2.0
        return centre

    def length(p: NDArray[np.float64], q: NDArray[np.float64]) -> NDArray[np.float64]:
        distance: NDArray[np.float64] = np.linalg.norm(p - q, axis=-1)
        return distance

    torso = length(mid("left_shoulder", "right_shoulder"), mid("left_hip", "right_hip"))
    legs = [
        length(xy[..., _L[f"{side}_hip"], :], xy[..., _L[f"{side}_knee"], :])
        + length(xy[..., _L[f"{side}_knee"], :], xy[..., _L[f"{side}_ankle"], :])
        for side in ("left", "right")
    ]
    size: NDArray[np.float64] = torso + (legs[0] + legs[1]) / 2.0
    return size


def choose_subject(
    candidates: Sequence[Candidate], *, rule: SubjectRule = DEFAULT_SUBJECT_RULE, override: int | None = None
) -> int | None:
    """The id of the main subject, or ``None`` when nobody was tracked.

    Raises :class:`UnknownSubjectError` when ``override`` names nobody in ``candidates``.
    """
    if override is not None:
        known = sorted(c.person_id for c in candidates)
        if override not in known:
            found = ", ".join(map(str, known)) or "none"
            raise UnknownSubjectError(f"Person {override} is not in this video (people found: {found}).")
        return override
    if not candidates:
        return None
    if rule == "longest":
        return max(candidates, key=lambda c: (c.frames_tracked, c.body_size_px)).person_id
    if rule == "largest":
        return max(candidates, key=lambda c: (c.body_size_px, c.frames_tracked)).person_id
    if rule != "longest_largest":
        raise ValueError(f"Unknown subject rule {rule!r}; choose one of {', '.join(SUBJECT_RULES)}.")
    longest = max(c.frames_tracked for c in candidates)
    eligible = [c for c in candidates if c.frames_tracked >= CANDIDATE_FRACTION * longest]
    return max(eligible, key=lambda c: (c.body_size_px, c.frames_tracked)).person_id
