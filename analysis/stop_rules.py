"""When a standard test run live stops by itself: the one definition the live session applies
and the live page shows (its countdown and its clock read it; only the server decides a stop).

A live test starts with a countdown of :data:`COUNTDOWN_S` seconds, then "go"; the recording
and the test clock start at "go". Each test then stops on its own rule, after the protocols of
:mod:`analysis.protocols`:

* 30-second chair stand: at 30 s (Jones, Rikli & Beam 1999); the recording goes on
  ``settle_s`` more, so a stand under way at 30 s (more than halfway up counts) is seen; the
  analysis counts from "go" (the recording's start) for 30 s.
* Five-times sit-to-stand: once the fifth full stand is complete, i.e. seated again after it
  (Bohannon 2006), or at the time limit.
* Timed Up and Go: once the patient is seated again after the walk (Podsiadlo & Richardson
  1991), or at the time limit.
* Single-leg stance: when the lifted foot touches down after a lift, or at the 45 s maximum
  (Springer et al. 2007).
* 10-metre walk and jump: at the time limit, or when the clinician stops the recording.

The counts come from the live repetition counter (:class:`capture.live_metrics.RepCounter` on
the pelvis height, the ``sit_to_stand`` signal the offline scoring counts) and the live stance
timer; :class:`StopWatch` only turns them into a decision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final, Literal

from analysis.activities import OUTCOME_TESTS, Activity

#: Seconds counted down before "go".
COUNTDOWN_S: Final = 3

StopReason = Literal["time", "stands", "seated", "touchdown"]
#: What the live counting is, per test: repetitions of rising from a chair, single-leg stance, walking.
LiveCount = Literal["sit_to_stand", "single_leg_stance", "gait"] | None


@dataclass(frozen=True)
class StopRule:
    """How a live test stops.

    ``max_s``: the test's duration or time limit, from "go". ``full_stands``: stop once this
    many full stands are complete (seated again after the last). ``seated_again``: stop once the
    patient, having stood up, is seated again. Both wait ``settle_s`` more, so the recording
    shows the patient settled on the seat, where the offline scoring ends the test (the live
    counter ends a stand a little before, within a quarter of the rise). ``touchdown``: stop
    when the lifted foot is down for ``touchdown_s`` after a lift of at least ``min_lift_s``
    (shorter lifts are the patient finding their balance, not the test). A :attr:`timed` test
    records ``settle_s`` past ``max_s``. ``counts``: the live counting the test reads.
    """

    activity: Activity
    max_s: float
    counts: LiveCount
    full_stands: int | None = None
    seated_again: bool = False
    touchdown: bool = False
    min_lift_s: float = 1.0
    touchdown_s: float = 0.3
    settle_s: float = 1.0

    @property
    def timed(self) -> bool:
        """True when the time limit is the test itself (the 30-second chair stand), not a safety stop."""
        return not (self.full_stands or self.seated_again or self.touchdown) and self.counts is not None

    def describe(self) -> str:
        """One sentence for the page: when the recording stops by itself."""
        limit = f"{self.max_s:.0f} s"
        if self.full_stands:
            return f"Stops by itself once the patient is seated after the {_nth(self.full_stands)} stand (at most {limit})."
        if self.seated_again:
            return f"Stops by itself once the patient is seated again (at most {limit})."
        if self.touchdown:
            return f"Stops by itself when the lifted foot touches the floor, or at {limit}."
        if self.timed:
            return (
                f"Stops by itself at {limit}, recording {self.settle_s:.0f} s more to see a stand under way."
            )
        return f"Stop the recording when the test is done; it stops by itself at {limit}."


def _nth(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


STOP_RULES: Final[dict[Activity, StopRule]] = {
    r.activity: r
    for r in (
        StopRule(activity="chair_stand_30s", max_s=30.0, counts="sit_to_stand", settle_s=3.0),
        StopRule(activity="five_times_sit_to_stand", max_s=60.0, counts="sit_to_stand", full_stands=5),
        StopRule(activity="tug", max_s=60.0, counts="sit_to_stand", seated_again=True),
        StopRule(activity="single_leg_stance", max_s=45.0, counts="single_leg_stance", touchdown=True),
        StopRule(activity="ten_metre_walk", max_s=60.0, counts="gait"),
        StopRule(activity="jump", max_s=20.0, counts=None),
    )
}
assert set(STOP_RULES) == set(OUTCOME_TESTS)

MESSAGES: Final[dict[StopReason, str]] = {
    "time": "Stopped: {limit} reached.",
    "stands": "Stopped: seated after the {stands} stand.",
    "seated": "Stopped: the patient is seated again.",
    "touchdown": "Stopped: the lifted foot touched the floor.",
}


def stop_rule(activity: str) -> StopRule | None:
    """The live stop rule of a standard test, None for other activities (stopped by hand)."""
    return next((r for a, r in STOP_RULES.items() if a == activity), None)


def stop_message(rule: StopRule, reason: StopReason) -> str:
    """The sentence the page shows when ``rule`` stopped a test for ``reason``."""
    return MESSAGES[reason].format(limit=f"{rule.max_s:.0f} s", stands=_nth(rule.full_stands or 0))


@dataclass
class StopWatch:
    """Applies a :class:`StopRule` frame by frame from "go" (causal: it sees only the past).

    Feed :meth:`update` once per frame with the seconds since "go", the full stands complete so
    far and whether the patient stands on one leg now (None when the feet are not seen); it
    returns the reason to stop, once, and None until then.
    """

    rule: StopRule
    stopped: StopReason | None = field(init=False, default=None)
    _lift_since_s: float | None = field(init=False, default=None)
    _lifted: bool = field(init=False, default=False)
    _down_since_s: float | None = field(init=False, default=None)
    _done_at_s: float | None = field(init=False, default=None)

    def over(self, elapsed_s: float) -> bool:
        """Whether the test itself is over (the patient is told to stop): it stopped, or its time
        is up while a timed test records its last ``settle_s``."""
        return self.stopped is not None or elapsed_s >= self.rule.max_s

    def update(
        self, *, elapsed_s: float, full_stands: int = 0, on_one_leg: bool | None = None
    ) -> StopReason | None:
        if self.stopped is not None:
            return None
        reason = self._reason(elapsed_s, full_stands, on_one_leg)
        self.stopped = reason
        return reason

    def _reason(self, elapsed_s: float, full_stands: int, on_one_leg: bool | None) -> StopReason | None:
        rule = self.rule
        needed = rule.full_stands or (1 if rule.seated_again else None)
        if needed is not None and full_stands >= needed:
            self._done_at_s = elapsed_s if self._done_at_s is None else self._done_at_s
            if elapsed_s - self._done_at_s >= rule.settle_s:
                return "stands" if rule.full_stands else "seated"
        if rule.touchdown and on_one_leg is not None and self._touched_down(elapsed_s, on_one_leg):
            return "touchdown"
        if not math.isfinite(elapsed_s) or elapsed_s >= rule.max_s + (rule.settle_s if rule.timed else 0.0):
            return "time"
        return None

    def _touched_down(self, t: float, on_one_leg: bool) -> bool:
        if on_one_leg:
            self._down_since_s = None
            self._lift_since_s = t if self._lift_since_s is None else self._lift_since_s
            self._lifted = self._lifted or t - self._lift_since_s >= self.rule.min_lift_s
            return False
        self._lift_since_s = None
        if not self._lifted:
            return False
        self._down_since_s = t if self._down_since_s is None else self._down_since_s
        return t - self._down_since_s >= self.rule.touchdown_s
