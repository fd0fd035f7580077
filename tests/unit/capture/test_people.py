"""describe_people and subject_sentence on a synthetic two-person sequence with known answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from capture.landmarks import LANDMARK_INDEX
from capture.people import describe_people, sequence_subject_sentence, subject_sentence
from capture.pipeline import analyze_file
from capture.sequence import LandmarkSequence
from capture.subject import UnknownSubjectError
from tests.unit.capture.test_pipeline import SIZE, RecordedEstimator, _scene
from tests.unit.capture.two_people import FRAMES, WALKER_FIRST, WALKER_GOOD, two_people
from tests.unit.capture.videos import write_video


def test_the_large_walker_is_the_subject_and_the_small_bystander_is_listed() -> None:
    people, choice = describe_people(two_people())
    by_id = {p.id: p for p in people}
    assert choice.id == 2 and choice.rule == "longest_largest"
    walker, bystander = by_id[2], by_id[1]
    assert (walker.first_frame, walker.last_frame, walker.frames_tracked) == (WALKER_FIRST, FRAMES - 1, 50)
    # Her knees are hidden until frame 15: that is her first frame with every core landmark visible.
    assert (walker.good_frame, walker.all_core_visible) == (WALKER_GOOD, True)
    assert walker.place == "moving from right to left"
    assert (bystander.first_frame, bystander.last_frame, bystander.good_frame) == (0, FRAMES - 1, 0)
    # 80 px tall against her 200 px: under 0.7 of her size, so "further away".
    assert bystander.place == "on the left, further away"
    assert bystander.description == "seen in frames 0-59 (60 frames), on the left, further away"
    # Torso + thigh + shank = 0.77 body heights (tests/unit/capture/skeletons.py).
    assert walker.body_size_px == pytest.approx(0.77 * 200, abs=0.5)
    assert "tracked in 50 of 60 frames, body 154 px" in choice.reason


def test_the_sentence_names_the_subject_her_frames_and_the_others() -> None:
    people, choice = describe_people(two_people())
    assert subject_sentence(people, choice) == (
        "Analysed: person 2 (frames 10-59), the largest of the people seen at least 50% as long as the "
        "longest-seen (tracked in 50 of 60 frames, body 154 px; size = torso plus leg length). "
        "Also seen: person 1 (seen in frames 0-59 (60 frames), on the left, further away)."
    )


def test_the_command_line_sentence_follows_the_recorded_rule() -> None:
    assert sequence_subject_sentence(two_people(), rule="longest_largest").startswith(
        "Analysed: person 2 (frames 10-59), the largest of"
    )
    # "longest" alone picks the bystander, seen in all 60 frames.
    assert sequence_subject_sentence(two_people(), rule="longest").startswith(
        "Analysed: person 1 (frames 0-59), the person seen longest (tracked in 60 of 60 frames"
    )
    assert sequence_subject_sentence(two_people(subject=1), rule="override").startswith(
        "Analysed: person 1 (frames 0-59), chosen by the clinician"
    )


def test_the_clinician_can_choose_the_other_person_but_not_a_missing_one() -> None:
    people, choice = describe_people(two_people(), override=1)
    assert choice.id == 1 and choice.rule == "override"
    assert choice.reason == "chosen by the clinician (tracked in 60 of 60 frames, body 62 px)"
    # Seen from person 1, the walker is larger: nothing is "further away".
    assert [p.place for p in people] == ["on the left", "moving from right to left"]
    with pytest.raises(UnknownSubjectError, match=r"Person 3 is not in this video \(people found: 1, 2\)"):
        describe_people(two_people(), override=3)


def test_without_a_fully_visible_frame_the_best_one_stands_in() -> None:
    sequence = two_people()
    image = sequence.image.copy()
    image[1, :, LANDMARK_INDEX["left_ankle"], 3] = 0.2  # her left ankle is never visible
    image[1, 30, LANDMARK_INDEX["left_ankle"], 3] = np.nan
    people, _ = describe_people(LandmarkSequence(**{**_fields(sequence), "image": image}))
    walker = next(p for p in people if p.id == 2)
    # From frame 15 on, 7 of 8 core landmarks are visible: the first such frame stands in.
    assert (walker.good_frame, walker.all_core_visible) == (WALKER_GOOD, False)


def test_nobody_tracked_gives_no_subject() -> None:
    sequence = two_people()
    empty = LandmarkSequence(**{**_fields(sequence), "image": np.full_like(sequence.image, np.nan)})
    people, choice = describe_people(empty)
    assert choice.id is None and [p.good_frame for p in people] == [-1, -1]
    assert subject_sentence(people, choice) == "No person was detected, so nobody was analysed."


def test_describe_people_chooses_as_the_pipeline_does(tmp_path: Path) -> None:
    video = write_video(tmp_path / "clip.mp4", frames=40, fps=20.0, width=SIZE[0], height=SIZE[1])
    analysis = analyze_file(video, estimator=RecordedEstimator(_scene()))
    people, choice = describe_people(analysis.landmark_sequence())
    assert choice.id == analysis.subject == 2
    assert [(p.id, p.first_frame, p.last_frame, p.frames_tracked) for p in people] == [
        (p.id, p.first_frame, p.last_frame, p.frames_tracked) for p in analysis.people
    ]


def _fields(sequence: LandmarkSequence) -> dict[str, object]:
    return {
        "image": sequence.image,
        "world": sequence.world,
        "person_ids": sequence.person_ids,
        "subject": sequence.subject,
        "sampling_rate_hz": sequence.sampling_rate_hz,
        "width_px": sequence.width_px,
        "height_px": sequence.height_px,
        "model": sequence.model,
    }
