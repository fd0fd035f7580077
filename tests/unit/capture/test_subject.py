"""Main-subject rule and the body-size measure it relies on."""

from __future__ import annotations

import numpy as np
import pytest

from capture.subject import Candidate, UnknownSubjectError, body_size_px, choose_subject
from tests.unit.capture.skeletons import BODY_SIZE_PER_HEIGHT, person


def test_body_size_is_torso_plus_leg_length() -> None:
    frames = np.stack([person(centre_x=300, top_y=50, height=h).image for h in (400.0, 200.0)])
    np.testing.assert_allclose(body_size_px(frames), [400 * BODY_SIZE_PER_HEIGHT, 200 * BODY_SIZE_PER_HEIGHT])


def test_body_size_ignores_raised_arms() -> None:
    down = person(centre_x=300, top_y=50, height=400).image
    up = down.copy()
    up[13:23, 1] -= 300  # elbows, wrists and hands above the head
    assert body_size_px(up[None])[0] == pytest.approx(body_size_px(down[None])[0])


def test_body_size_is_nan_where_the_person_was_not_seen() -> None:
    frames = np.full((3, 33, 4), np.nan)
    frames[1] = person(centre_x=300, top_y=50, height=300).image
    sizes = body_size_px(frames)
    assert np.isnan(sizes[0]) and np.isnan(sizes[2]) and sizes[1] == pytest.approx(300 * BODY_SIZE_PER_HEIGHT)


def test_default_rule_prefers_the_larger_of_the_long_tracked_people() -> None:
    people = [Candidate(1, 160, 280.0), Candidate(2, 135, 320.0), Candidate(3, 22, 900.0)]
    # 3 is the largest but was tracked less than half as long as 1: not a candidate.
    assert choose_subject(people) == 2
    assert choose_subject(people, rule="longest") == 1
    assert choose_subject(people, rule="largest") == 3


def test_override_wins_and_unknown_override_is_refused() -> None:
    people = [Candidate(1, 100, 300.0), Candidate(2, 90, 200.0)]
    assert choose_subject(people, override=2) == 2
    with pytest.raises(UnknownSubjectError, match=r"Person 7 is not in this video \(people found: 1, 2\)"):
        choose_subject(people, override=7)


def test_nobody_tracked_means_no_subject() -> None:
    assert choose_subject([]) is None
