"""The activities a recording can be analysed as: the one list, with the words the pages show.

``auto`` detects walking, an exercise or single-leg stance from the movement; the others fix it.
The standard outcome tests (:data:`OUTCOME_TESTS`: 30-second chair stand, five-times
sit-to-stand, Timed Up and Go, 10-metre walk, vertical jump / drop landing, and single-leg stance
scored per side) are scored from an uploaded recording; their protocol cards are in
:mod:`analysis.protocols`. Live capture offers everything but ``auto`` (it needs to know what to
count from the start); a standard test run live starts with a countdown and stops by itself
(:mod:`analysis.stop_rules`).
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
    "chair_stand_30s",
    "five_times_sit_to_stand",
    "tug",
    "ten_metre_walk",
    "jump",
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
    "single_leg_stance": "Single-leg stance test",
    "chair_stand_30s": "30-second chair stand test",
    "five_times_sit_to_stand": "Five-times sit-to-stand test",
    "tug": "Timed Up and Go test",
    "ten_metre_walk": "10-metre walk test",
    "jump": "Vertical jump / drop landing test",
}
#: The standard tests scored as a test (a score with norms), besides the movement analysis.
OUTCOME_TESTS: Final[tuple[Activity, ...]] = (
    "chair_stand_30s",
    "five_times_sit_to_stand",
    "tug",
    "ten_metre_walk",
    "single_leg_stance",
    "jump",
)
# In the order the pages list them.
CHOICES: Final[tuple[tuple[Activity, str], ...]] = tuple((a, LABELS[a]) for a in LABELS)
LIVE_ACTIVITIES: Final[tuple[Activity, ...]] = tuple(a for a, _ in CHOICES if a != "auto")
