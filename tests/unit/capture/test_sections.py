"""The biomechanics wiring of analyze_video without inference: option parsing, no-subject case, summary."""

from __future__ import annotations

import pytest

from analysis.activities import ACTIVITIES
from analysis.angles import CONVENTION
from capture.sections import EXERCISE_CHOICES, activity_from_option, summary_lines


@pytest.mark.parametrize(
    ("typed", "activity"),
    [
        ("auto", "auto"),
        ("sit-to-stand", "sit_to_stand"),
        ("Overhead press", "overhead_press"),
        ("single_leg_stance", "single_leg_stance"),
        ("gait", "gait"),
        ("tug", "tug"),
        ("chair-stand-30s", "chair_stand_30s"),
        ("ten metre walk", "ten_metre_walk"),
    ],
)
def test_exercise_option_spellings(typed: str, activity: str) -> None:
    assert activity_from_option(typed) == activity


def test_unknown_exercise_names_the_choices() -> None:
    with pytest.raises(ValueError, match="choose one of auto, squat, sit-to-stand"):
        activity_from_option("pushup")
    assert len(EXERCISE_CHOICES) == len(ACTIVITIES)


def test_summary_names_absent_sections_but_not_unrequested_ones() -> None:
    sections = {
        "gait": None,
        "exercise": {
            "kind": "sit_to_stand",
            "complete_reps": 3,
            "partial_reps": 1,
            "reps": [{"cues": [{"text": "keep your chest up"}]}, {"cues": []}],
        },
        "balance": None,
        "angles": {"left_knee_flexion_image_plane": {"min_deg": 1.1, "max_deg": 91.6}},
        "analysis": {
            "absent": {
                "gait": "no walking detected: 0 step(s) found",
                "balance": "not requested (activity x)",
            },
            "scale": {"detail": "no body height given"},
        },
    }
    lines = summary_lines(sections)
    assert lines == [
        "  exercise: sit to stand, 3 complete and 1 partial repetitions; cues: keep your chest up",
        f"  angles: left knee flexion 1-92 deg ({CONVENTION})",
        "  no gait: no walking detected: 0 step(s) found",
        "  scale: no body height given",
    ]
