"""Who is in a clip, in words a clinician reads: the analysed person, why, and everyone else.

:func:`describe_people` reads a :class:`capture.sequence.LandmarkSequence` (every tracked person's
landmarks are stored, so this works long after the video is deleted) and returns one
:class:`PersonDescription` per person plus the :class:`SubjectChoice` (which person is analysed and
why). :func:`subject_sentence` is the one-line form the ``analyze_video`` command prints and the
visit page shows.

Conventions: frame numbers are 0-based and inclusive, as in :class:`capture.pipeline.PersonSummary`.
"Left" and "right" are the viewer's (image x), not the person's body sides.

A person's *first good frame* is the first frame in which every core landmark (shoulders, hips,
knees, ankles: the joints the gait and exercise measures use) has a visibility of at least
``min_visibility``. 0.5 is the threshold MediaPipe's own drawing utilities use to decide that a
landmark is shown (``mediapipe/python/solutions/drawing_utils.py``, ``_VISIBILITY_THRESHOLD``).
When no frame shows them all, the frame with the most core landmarks visible stands in (and
:attr:`PersonDescription.all_core_visible` is False, so the caller can say so).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from capture.landmarks import LANDMARK_INDEX
from capture.sequence import LandmarkSequence
from capture.subject import (
    CANDIDATE_FRACTION,
    DEFAULT_SUBJECT_RULE,
    Candidate,
    SubjectRule,
    body_size_px,
    choose_subject,
)

CORE_LANDMARKS: Final[tuple[int, ...]] = tuple(
    LANDMARK_INDEX[f"{side}_{joint}"]
    for joint in ("shoulder", "hip", "knee", "ankle")
    for side in ("left", "right")
)
DEFAULT_MIN_VISIBILITY: Final = 0.5
# A person whose hip centre travels more than this share of the frame width between their first
# and last frames is described by the direction they move, not by one place.
MOVING_FRACTION: Final = 1.0 / 3.0
# Another person whose median body size is below this share of the subject's is "further away":
# body size in pixels falls in inverse proportion to distance (pinhole camera).
FURTHER_FRACTION: Final = 0.7

_HIPS = (LANDMARK_INDEX["left_hip"], LANDMARK_INDEX["right_hip"])


@dataclass(frozen=True, kw_only=True)
class PersonDescription:
    """One tracked person. ``good_frame`` is the first good frame (module docstring), -1 when the
    person never had a core landmark visible; ``place`` is where they are in the picture."""

    id: int
    first_frame: int
    last_frame: int
    frames_tracked: int
    body_size_px: float
    good_frame: int
    all_core_visible: bool
    place: str

    @property
    def frames_text(self) -> str:
        return f"frames {self.first_frame}-{self.last_frame}"

    @property
    def description(self) -> str:
        """e.g. "seen in frames 12-140 (129 frames), on the left"."""
        return f"seen in {self.frames_text} ({self.frames_tracked} frames), {self.place}"

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["body_size_px"] = round(self.body_size_px, 1)
        out["description"] = self.description
        return out


@dataclass(frozen=True, kw_only=True)
class SubjectChoice:
    """The analysed person (``None``: nobody was tracked), the rule that chose them and why."""

    id: int | None
    rule: str
    reason: str


def describe_people(
    sequence: LandmarkSequence,
    *,
    override: int | None = None,
    rule: SubjectRule = DEFAULT_SUBJECT_RULE,
    min_visibility: float = DEFAULT_MIN_VISIBILITY,
) -> tuple[list[PersonDescription], SubjectChoice]:
    """Every person of ``sequence`` and the subject: ``override`` (a person id the clinician chose)
    or else the one :func:`capture.subject.choose_subject` picks by ``rule``.

    Raises :class:`capture.subject.UnknownSubjectError` when ``override`` names nobody.
    """
    people = [
        _describe(sequence, row, min_visibility=min_visibility) for row in range(len(sequence.person_ids))
    ]
    candidates = [Candidate(p.id, p.frames_tracked, p.body_size_px) for p in people if p.frames_tracked]
    chosen = choose_subject(candidates, rule=rule, override=override)
    subject = next((p for p in people if p.id == chosen), None)
    if subject is not None:
        people = [_relative_to(p, subject) for p in people]
    return people, SubjectChoice(
        id=chosen,
        rule="override" if override is not None else rule,
        reason=_reason(subject, people, rule=rule, override=override is not None, frames=sequence.frames),
    )


def subject_sentence(people: list[PersonDescription], choice: SubjectChoice) -> str:
    """One sentence for the command line and the page, e.g. *Analysed: person 2 (frames 38-229),
    the largest of ...; also seen: person 1 (seen in frames 12-140 (129 frames), on the left).*"""
    subject = next((p for p in people if p.id == choice.id), None)
    if subject is None:
        return "No person was detected, so nobody was analysed."
    text = f"Analysed: person {subject.id} ({subject.frames_text}), {choice.reason}."
    others = [p for p in people if p.id != subject.id]
    if others:
        text += " Also seen: " + "; ".join(f"person {p.id} ({p.description})" for p in others) + "."
    return text


def sequence_subject_sentence(sequence: LandmarkSequence, *, rule: str) -> str:
    """:func:`subject_sentence` for a sequence whose subject is already chosen, by ``rule`` (a
    :data:`capture.subject.SubjectRule`) or ``"override"`` (a person id the user gave), as
    :attr:`capture.pipeline.VideoAnalysis.subject_rule` records it. For the ``analyze_video`` command::

        lines.append(sequence_subject_sentence(analysis.landmark_sequence(), rule=analysis.subject_rule))
    """
    if rule == "override":
        people, choice = describe_people(sequence, override=sequence.subject)
    else:
        people, choice = describe_people(sequence, rule=rule)  # type: ignore[arg-type]  # a SubjectRule
    return subject_sentence(people, choice)


def core_visible_count(
    image: NDArray[np.float64], *, min_visibility: float = DEFAULT_MIN_VISIBILITY
) -> NDArray[np.int_]:
    """How many core landmarks are seen with at least ``min_visibility`` in each pose of ``image``
    (``(..., 33, 4)`` image landmarks: x, y, z, visibility); the count that picks a first good frame."""
    visible = np.nan_to_num(image[..., CORE_LANDMARKS, 3], nan=0.0) >= min_visibility
    visible &= np.isfinite(image[..., CORE_LANDMARKS, :2]).all(axis=-1)
    return np.asarray(visible.sum(axis=-1))


def _describe(sequence: LandmarkSequence, row: int, *, min_visibility: float) -> PersonDescription:
    image = sequence.image[row]
    seen = np.isfinite(image[..., :2]).all(axis=2).any(axis=1)
    frames = np.flatnonzero(seen)
    counts = core_visible_count(image, min_visibility=min_visibility)
    full = np.flatnonzero(counts == len(CORE_LANDMARKS))
    if full.size:
        good, complete = int(full[0]), True
    elif counts.max(initial=0) > 0:
        good, complete = int(np.argmax(counts)), False  # argmax: the first frame with the most seen
    else:
        good, complete = -1, False
    return PersonDescription(
        id=sequence.person_ids[row],
        first_frame=int(frames[0]) if frames.size else -1,
        last_frame=int(frames[-1]) if frames.size else -1,
        frames_tracked=int(frames.size),
        body_size_px=_median(body_size_px(image)),
        good_frame=good,
        all_core_visible=complete,
        place=_place(image, frames, width_px=sequence.width_px),
    )


def _place(image: NDArray[np.float64], frames: NDArray[np.intp], *, width_px: int) -> str:
    """Where the person is, by the hip centre's x: a third of the frame width per word."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames without the person: NaN, dropped
        hip_x = np.nanmean(image[frames][:, _HIPS, 0], axis=1)
    hip_x = hip_x[np.isfinite(hip_x)]
    if hip_x.size == 0 or width_px <= 0:
        return "place unknown"
    start, end = float(hip_x[0]), float(hip_x[-1])
    if abs(end - start) > MOVING_FRACTION * width_px:
        return "moving from right to left" if end < start else "moving from left to right"
    where = float(np.median(hip_x)) / width_px
    return "on the left" if where < 1 / 3 else "on the right" if where > 2 / 3 else "in the middle"


def _relative_to(person: PersonDescription, subject: PersonDescription) -> PersonDescription:
    """Another person smaller in the picture than the subject is said to be further away."""
    if person.id == subject.id or not subject.body_size_px:
        return person
    if person.body_size_px < FURTHER_FRACTION * subject.body_size_px:
        return PersonDescription(**{**asdict(person), "place": f"{person.place}, further away"})
    return person


def _reason(
    subject: PersonDescription | None,
    people: list[PersonDescription],
    *,
    rule: SubjectRule,
    override: bool,
    frames: int,
) -> str:
    if subject is None:
        return "nobody was tracked"
    seen = f"tracked in {subject.frames_tracked} of {frames} frames, body {subject.body_size_px:.0f} px"
    if override:
        return f"chosen by the clinician ({seen})"
    if len([p for p in people if p.frames_tracked]) == 1:
        return f"the only person tracked ({seen})"
    if rule == "longest":
        return f"the person seen longest ({seen})"
    if rule == "largest":
        return f"the largest person in the picture ({seen})"
    return (
        "the largest of the people seen at least "
        f"{CANDIDATE_FRACTION:.0%} as long as the longest-seen ({seen}; size = torso plus leg length)"
    )


def _median(values: NDArray[np.float64]) -> float:
    if not np.any(np.isfinite(values)):
        return 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        median = float(np.nanmedian(values))
    return median if math.isfinite(median) else 0.0
