"""Step-time plausibility (analysis.gait.steps) and walking told from the pelvis (analysis.travel).

Given contacts as the detector reports them, with a duplicate strike of the other foot or a
missed strike, the step times and cadence come from the real steps only and what was left out is
said; a walk whose feet cannot be seen is not reported as an exercise or a balance test.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis.gait import GaitEvent, GaitEventConfig, GaitEvents, gait_parameters
from analysis.gait.steps import merge_duplicate_contacts
from analysis.report import video_sections
from tests.unit.analysis.synthetic import Pose, build, to_landmarks

RATE_HZ = 30.0
STEP_S = 0.6  # 100 steps/min


def _events(contacts: list[tuple[str, float]], *, duration_s: float = 8.0) -> GaitEvents:
    n = round(duration_s * RATE_HZ)
    direction = np.zeros((n, 3))
    direction[:, 0] = 1.0
    return GaitEvents(
        events=tuple(
            GaitEvent(foot=foot, event="initial_contact", frame=round(t * RATE_HZ), time_s=t)  # type: ignore[arg-type]
            for foot, t in contacts
        ),
        sampling_rate_hz=RATE_HZ,
        n_frames=n,
        vertical_axis=1,
        up_sign=1.0,
        direction=direction,
        leg_length_units=1.0,
        config=GaitEventConfig(),
    )


def _steady(count: int) -> list[tuple[str, float]]:
    return [("right" if k % 2 == 0 else "left", 0.5 + k * STEP_S) for k in range(count)]


def test_a_missed_strike_is_not_counted_as_one_long_step() -> None:
    contacts = _steady(10)
    del contacts[4]  # right, left, right, left, [right missing], left, ...
    p = gait_parameters(_events(contacts))
    assert p.cadence_steps_per_min == pytest.approx(100.0)
    assert p.step_time_s.both.mean == pytest.approx(STEP_S) and p.step_time_s.both.sd == pytest.approx(
        0, abs=1e-9
    )
    assert p.n_steps == 7
    (left_out,) = p.omitted_steps
    assert left_out.foot == "left" and left_out.duration_s == pytest.approx(2 * STEP_S)
    assert "two left contacts in a row" in left_out.reason


def test_a_step_spanning_missed_strikes_of_both_feet_is_left_out() -> None:
    contacts = _steady(12)
    del contacts[5:7]  # one strike of each foot missing: the feet still alternate
    p = gait_parameters(_events(contacts))
    assert p.cadence_steps_per_min == pytest.approx(100.0)
    assert [s.duration_s for s in p.omitted_steps] == [pytest.approx(3 * STEP_S)]
    assert "more than 1.5 times the median step" in p.omitted_steps[0].reason


def test_a_too_short_step_is_left_out() -> None:
    contacts = sorted([*_steady(10), ("left", 0.5 + 4 * STEP_S + 0.1)], key=lambda c: c[1])
    p = gait_parameters(_events(contacts))
    # The 0.1 s interval is left out, and so is the 0.5 s remainder after it (not a whole step).
    assert p.cadence_steps_per_min == pytest.approx(100.0, rel=0.05)
    assert any("shorter than any walking step" in s.reason for s in p.omitted_steps)


def test_a_duplicate_strike_of_the_other_foot_is_merged() -> None:
    real = [
        (GaitEvent("right", "initial_contact", 15, 0.5), 1.0),
        (GaitEvent("left", "initial_contact", 33, 1.1), 1.0),
    ]
    duplicate = (GaitEvent("right", "initial_contact", 36, 1.2), 2.0)  # more prominent, but 0.1 s on
    after = (GaitEvent("right", "initial_contact", 51, 1.7), 1.0)
    kept, dropped = merge_duplicate_contacts([*real, duplicate, after])
    assert [e.time_s for e, _ in kept] == [0.5, 1.1, 1.7]  # the feet keep alternating
    (note,) = dropped
    assert (note.foot, note.time_s) == ("right", 1.2)
    assert "100 ms from the left contact at 1.10 s" in note.reason
    # With nothing before, the contact after decides; with nothing around, the prominence.
    kept, _ = merge_duplicate_contacts([real[1], duplicate, after])
    assert [e.time_s for e, _ in kept] == [1.1, 1.7]
    kept, _ = merge_duplicate_contacts([real[1], duplicate])
    assert [e.time_s for e, _ in kept] == [1.2]


def _walk_pose(n: int) -> Pose:
    t = np.arange(n) / RATE_HZ
    w = 2 * np.pi / 1.1
    p = Pose(n=n)
    for side, ph in (("left", 0.0), ("right", np.pi)):
        p.hip_flexion[side] = 20 * np.sin(w * t + ph)
        p.knee_flexion[side] = 30 + 30 * np.sin(w * t + ph + np.pi / 2)
    p.pelvis = np.stack([1.2 * t, 0.95 + 0.02 * np.sin(2 * w * t), np.zeros(n)], axis=1)
    return p


def test_walking_with_the_feet_unseen_is_not_an_exercise_or_a_balance_test() -> None:
    lm = to_landmarks(build(_walk_pose(240)), mode="image", px_per_m=250.0)
    lm[:, 29:33] = np.nan  # heels and toes never seen: no step can be timed
    sections = video_sections(lm, sampling_rate_hz=RATE_HZ).to_json()
    assert sections["analysis"]["detected"] == []
    assert sections["exercise"] is None and sections["balance"] is None
    absent = sections["analysis"]["absent"]
    assert absent["balance"].startswith("walking detected") and absent["exercise"].startswith(
        "walking detected"
    )
    assert "walking seen all the same: the pelvis travels" in absent["gait"]


def test_standing_on_one_leg_is_still_a_balance_test() -> None:
    # The pelvis sways in place: no travel, so the travel rule does not hide the stance.
    n = 240
    p = Pose(n=n)
    t = np.arange(n) / RATE_HZ
    p.hip_flexion["left"] = np.full(n, 40.0)
    p.knee_flexion["left"] = np.full(n, 70.0)
    p.pelvis = np.stack([0.01 * np.sin(t), np.full(n, 0.95), np.zeros(n)], axis=1)
    lm = to_landmarks(build(p), mode="front", px_per_m=250.0)
    sections = video_sections(lm, sampling_rate_hz=RATE_HZ).to_json()
    assert "walking detected" not in sections["analysis"]["absent"].get("balance", "")
