"""The live stop rules of the standard tests (:mod:`analysis.stop_rules`) on synthetic sequences
of what the live counting reports frame by frame."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.activities import LIVE_ACTIVITIES, OUTCOME_TESTS
from analysis.protocols import PROTOCOLS
from analysis.stop_rules import STOP_RULES, StopReason, StopWatch, stop_message, stop_rule

RATE = 30.0


def _run(
    test: str, seconds: float, *, stands_at_s: tuple[float, ...] = (), one_leg: np.ndarray | None = None
) -> tuple[StopReason | None, float | None]:
    """Feed the watch frames at RATE for ``seconds``; the reason and the time it stopped."""
    rule = stop_rule(test)
    assert rule is not None
    watch = StopWatch(rule)
    for k in range(int(seconds * RATE) + 1):
        t = k / RATE
        reason = watch.update(
            elapsed_s=t,
            full_stands=sum(1 for s in stands_at_s if s <= t),
            on_one_leg=None if one_leg is None else (None if np.isnan(one_leg[k]) else bool(one_leg[k])),
        )
        if reason is not None:
            return reason, t
    return None, None


def test_every_standard_test_has_one_stop_rule_and_is_offered_live() -> None:
    assert set(STOP_RULES) == set(OUTCOME_TESTS) == set(PROTOCOLS)
    assert set(OUTCOME_TESTS) <= set(LIVE_ACTIVITIES) and "auto" not in LIVE_ACTIVITIES
    assert stop_rule("squat") is None


def test_chair_stand_is_over_at_thirty_seconds_and_records_its_settling_time_more() -> None:
    rule = stop_rule("chair_stand_30s")
    assert rule is not None and rule.timed and rule.settle_s > 0
    stands = tuple(1.0 + 2.5 * i for i in range(14))
    end = 30.0 + rule.settle_s
    assert _run("chair_stand_30s", 40, stands_at_s=stands) == ("time", pytest.approx(end))
    assert _run("chair_stand_30s", 40) == ("time", pytest.approx(end))
    watch = StopWatch(rule)
    assert not watch.over(29.9) and watch.over(30.0) and watch.update(elapsed_s=30.0) is None
    assert rule.describe().startswith("Stops by itself at 30 s, recording 3 s more")


def test_five_times_stops_when_settled_after_the_fifth_stand_not_before() -> None:
    stands = (2.1, 4.3, 6.0, 8.2, 10.4, 12.6)
    reason, t = _run("five_times_sit_to_stand", 70, stands_at_s=stands)
    rule = stop_rule("five_times_sit_to_stand")
    assert rule is not None and rule.settle_s > 0
    assert reason == "stands" and t == pytest.approx(10.4 + rule.settle_s, abs=1.5 / RATE)
    # Four stands only: the time limit stops it.
    assert _run("five_times_sit_to_stand", 70, stands_at_s=stands[:4]) == ("time", 60.0)


def test_tug_stops_once_seated_again_or_at_its_limit() -> None:
    reason, t = _run("tug", 70, stands_at_s=(14.0,))
    rule = stop_rule("tug")
    assert rule is not None and reason == "seated"
    assert t == pytest.approx(14.0 + rule.settle_s, abs=1.5 / RATE)
    assert _run("tug", 70) == ("time", 60.0)


def test_single_leg_stance_stops_at_touchdown_after_a_real_lift() -> None:
    t = np.arange(int(50 * RATE) + 1) / RATE
    # A 0.5 s wobble at 1 s (finding balance), then on one leg from 3 s to 11.2 s, then down.
    one_leg = ((t > 1) & (t < 1.5)) | ((t > 3) & (t < 11.2))
    reason, at = _run("single_leg_stance", 50, one_leg=one_leg.astype(float))
    rule = stop_rule("single_leg_stance")
    assert rule is not None and reason == "touchdown"
    assert at == pytest.approx(11.2 + rule.touchdown_s, abs=1.5 / RATE)


def test_a_flicker_of_the_foot_is_not_a_touchdown_and_unseen_feet_are_not_down() -> None:
    t = np.arange(int(50 * RATE) + 1) / RATE
    one_leg = (t > 2).astype(float)
    one_leg[(t > 5) & (t < 5.1)] = 0.0  # three frames under the lift threshold
    one_leg[(t > 8) & (t < 10)] = np.nan  # the feet leave the picture
    assert _run("single_leg_stance", 50, one_leg=one_leg) == ("time", 45.0)


def test_the_watch_reports_a_stop_once() -> None:
    rule = stop_rule("chair_stand_30s")
    assert rule is not None
    watch = StopWatch(rule)
    assert watch.update(elapsed_s=32.9) is None and not watch.over(20.0)
    assert watch.update(elapsed_s=33.0) == "time"
    assert watch.update(elapsed_s=33.1) is None and watch.stopped == "time" and watch.over(20.0)


@pytest.mark.parametrize("test", OUTCOME_TESTS)
def test_each_rule_has_a_sentence_and_its_stop_messages_read(test: str) -> None:
    rule = stop_rule(test)
    assert rule is not None and rule.describe().endswith(".") and f"{rule.max_s:.0f} s" in rule.describe()
    assert stop_message(rule, "time") == f"Stopped: {rule.max_s:.0f} s reached."
    if rule.full_stands:
        assert stop_message(rule, "stands") == "Stopped: seated after the 5th stand."
