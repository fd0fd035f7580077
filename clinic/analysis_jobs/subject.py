"""The ``subject`` section of an analysis summary: who was analysed, why, who else was seen, stills.

Built from a landmark sequence (every tracked person is stored in it, so this also works after the
video is deleted) and, when the video is at hand, its frames. The section is JSON::

    {"id": 2, "rule": "longest_largest", "reason": "...", "sentence": "Analysed: person 2 (...)...",
     "note": "",                              # or capture.still.LANDMARKS_ONLY_NOTE
     "people": [{"id": 1, "first_frame": 12, "last_frame": 140, "frames_tracked": 129,
                 "body_size_px": 210.5, "good_frame": 14, "all_core_visible": true,
                 "place": "on the left", "description": "seen in frames 12-140 (129 frames), on the left",
                 "still": {"frame": 14, "from_video": true, "sha256": "<jpeg>", "crop_sha256": "<jpeg>"}},
                ...]}

``sha256`` values are the SHA-256 of the JPEG bytes, which is also their name in the blob store
(kind ``"still"``, sealed with the patient's key): the task stores :attr:`SubjectSection.images`
under exactly these names. A person never seen well enough to draw has ``"still": null``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from capture.people import describe_people, subject_sentence
from capture.sequence import LandmarkSequence
from capture.still import LANDMARKS_ONLY_NOTE, Image, person_stills


@dataclass(frozen=True)
class SubjectSection:
    """The summary section and the JPEG bytes it names, by SHA-256."""

    section: dict[str, Any]
    images: dict[str, bytes]


def subject_section(
    sequence: LandmarkSequence,
    *,
    subject: int | None,
    frames: dict[int, Image] | None,
    earlier: dict[str, Any] | None = None,
) -> SubjectSection:
    """The section for ``sequence`` analysed on person ``subject`` (``None``: the default choice).

    ``frames`` are the video frames at the people's good frames (``None``: draw on a blank canvas).
    ``earlier`` is the section of an earlier analysis of the same sequence: its stills show the same
    people in the same frames, so they are reused instead of drawn again (a re-run on another person
    after the video was deleted keeps the video frames). Raises
    :class:`capture.subject.UnknownSubjectError` when ``subject`` names nobody in the sequence.
    """
    people, choice = describe_people(sequence, override=subject)
    reused = {
        int(p["id"]): p["still"]
        for p in (earlier or {}).get("people", [])
        if isinstance(p.get("still"), dict)
    }
    images: dict[str, bytes] = {}
    drawn = {
        s.person_id: s
        for s in person_stills(sequence, [p for p in people if p.id not in reused], frames=frames)
    }
    entries = []
    for person in people:
        still: dict[str, Any] | None = reused.get(person.id)
        made = drawn.get(person.id)
        if made is not None:
            still = {
                "frame": made.frame,
                "from_video": made.from_video,
                "sha256": _named(images, made.still_jpeg),
                "crop_sha256": _named(images, made.crop_jpeg),
            }
        entries.append({**person.to_json(), "still": still})
    from_video = [e["still"]["from_video"] for e in entries if e["still"] is not None]
    return SubjectSection(
        section={
            "id": choice.id,
            "rule": choice.rule,
            "reason": choice.reason,
            "sentence": subject_sentence(people, choice),
            "note": "" if all(from_video) else LANDMARKS_ONLY_NOTE,
            "people": entries,
        },
        images=images,
    )


def still_hashes(section: dict[str, Any]) -> set[str]:
    """Every image a section refers to (what a reader of the analysis may be shown)."""
    names: set[str] = set()
    for person in section.get("people", []) if isinstance(section, dict) else []:
        still = person.get("still") if isinstance(person, dict) else None
        if isinstance(still, dict):
            names.update(str(still[k]) for k in ("sha256", "crop_sha256") if still.get(k))
    return names


def _named(images: dict[str, bytes], data: bytes) -> str:
    name = hashlib.sha256(data).hexdigest()
    images[name] = data
    return name
