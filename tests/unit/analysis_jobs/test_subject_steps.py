"""The subject in the analysis steps: the configuration's ``subject``, the summary's ``subject``
section with its stills, and a re-run that analyses the other person's landmarks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from capture.sequence import encode_sequence
from capture.still import LANDMARKS_ONLY_NOTE
from clinic.analysis_jobs.config import ConfigError, analysis_config
from clinic.analysis_jobs.steps import BadInput, analysis_step, sequence_step
from clinic.analysis_jobs.subject import still_hashes, subject_section
from tests.unit.analysis_jobs.squat_pair import squat_pair
from tests.unit.capture.two_people import WALKER_GOOD, two_people


def test_subject_is_part_of_the_configuration_only_when_chosen() -> None:
    # Configurations stored before the option existed keep their spelling (their idempotency key).
    assert "subject" not in analysis_config({}).to_dict()
    assert analysis_config(subject=2).to_dict()["subject"] == 2
    assert analysis_config({"subject": None}) == analysis_config({})
    for bad in (0, -1, "2", True, 1.5):
        with pytest.raises(ConfigError, match="person number"):
            analysis_config(subject=bad)


def test_the_section_names_each_still_by_the_hash_of_its_jpeg() -> None:
    made = subject_section(two_people(), subject=None, frames=None)
    section = made.section
    assert section["id"] == 2 and section["rule"] == "longest_largest"
    assert section["sentence"].startswith("Analysed: person 2 (frames 10-59), ")
    assert section["note"] == LANDMARKS_ONLY_NOTE  # no video frames: blank canvases
    walker = next(p for p in section["people"] if p["id"] == 2)
    assert walker["still"]["frame"] == WALKER_GOOD and walker["still"]["from_video"] is False
    assert walker["description"] == "seen in frames 10-59 (50 frames), moving from right to left"
    assert set(made.images) == still_hashes(section) and len(made.images) == 4  # a still and a crop each
    for name, data in made.images.items():
        assert hashlib.sha256(data).hexdigest() == name and data[:2] == b"\xff\xd8"  # JPEG start marker
    json.dumps(section)  # travels in a task message and is stored in an event


def test_a_rerun_section_reuses_the_earlier_stills_and_changes_only_the_subject() -> None:
    first = subject_section(two_people(), subject=None, frames=None)
    again = subject_section(two_people(), subject=1, frames=None, earlier=first.section)
    assert again.images == {}  # nothing drawn again
    assert [p["still"] for p in again.section["people"]] == [p["still"] for p in first.section["people"]]
    assert again.section["id"] == 1 and again.section["rule"] == "override"
    assert again.section["reason"].startswith("chosen by the clinician")


def test_a_rerun_on_the_other_person_analyses_that_persons_landmarks(shared_data: Path) -> None:
    both, first, second = squat_pair(shared_data)
    options = {"activity": "squat", "refine_3d": False}
    default = analysis_step(encode_sequence(both), config=analysis_config(options)).summary
    rerun = analysis_step(encode_sequence(both), config=analysis_config(options, subject=2)).summary
    assert default == analysis_step(encode_sequence(first), config=analysis_config(options)).summary
    assert rerun == analysis_step(encode_sequence(second), config=analysis_config(options)).summary
    # The two people squat at different times, so the results differ where the time shows.
    starts = [[r["start_frame"] for r in s["exercise"]["reps"]] for s in (default, rerun)]
    assert starts[0] != starts[1]
    with pytest.raises(BadInput, match=r"Person 3 is not in this video \(people found: 1, 2\)"):
        analysis_step(encode_sequence(both), config=analysis_config(options, subject=3))


def test_the_sequence_step_summarises_a_stored_sequence_on_the_chosen_person() -> None:
    data = encode_sequence(two_people())
    posed = sequence_step(data, config=analysis_config(subject=1))
    assert posed.sequence == data
    assert posed.video == {
        "frames": 60, "fps": 30.0, "width_px": 640, "height_px": 360, "people": 2, "subject": 1,
        "model": "synthetic",
    }  # fmt: skip
    assert posed.subject.section["id"] == 1
    with pytest.raises(BadInput, match="Person 4 is not in this video"):
        sequence_step(data, config=analysis_config(subject=4))
