"""The activities a recording can be analysed as: the one list, with the words the pages show.

``auto`` detects walking, an exercise or single-leg stance from the movement; the others fix it.
Live capture offers every activity but ``auto`` (it needs to know what to count from the start).
Everything that offers a choice (the upload form and API, the live page and its protocol, the
``analyze_video`` command, the domain's recording check) takes it from here.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

Activity = Literal[
    "auto",
    "squat",
    "sit_to_stand",
    "deadlift",
    "overhead_press",
    "curl",
    "gait",
    "single_leg_stance",
]
ACTIVITIES: Final[tuple[Activity, ...]] = get_args(Activity)
LABELS: Final[dict[Activity, str]] = {
    "auto": "Detect (walking, exercise or single-leg stance)",
    "gait": "Walking",
    "squat": "Squat",
    "sit_to_stand": "Sit to stand",
    "deadlift": "Deadlift",
    "overhead_press": "Overhead press",
    "curl": "Biceps curl",
    "single_leg_stance": "Single-leg stance",
}
# In the order the pages list them.
CHOICES: Final[tuple[tuple[Activity, str], ...]] = tuple((a, LABELS[a]) for a in LABELS)
LIVE_ACTIVITIES: Final[tuple[Activity, ...]] = tuple(a for a, _ in CHOICES if a != "auto")
