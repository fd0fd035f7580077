"""The ``outcome`` section of a video analysis: the standard test the recording was made for,
scored (:mod:`analysis.outcomes`, :mod:`analysis.jump_test`), with the frames it spans.

The test is the requested activity when it is one of :data:`analysis.activities.OUTCOME_TESTS`;
its score becomes a metric value in :func:`analysis.section_values.outcome_values`, and its norms
are in :mod:`analysis.norms`.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.activities import LABELS, Activity
from analysis.balance import SingleLegStance, StanceBout
from analysis.gait import Scale
from analysis.jump_test import JumpTest, jump_test
from analysis.outcomes import (
    ChairStandResult,
    FiveTimesResult,
    TugResult,
    WalkTestResult,
    chair_stand_30s,
    five_times_sit_to_stand,
    ten_metre_walk,
    timed_up_and_go,
)
from analysis.serialize import JsonValue, to_jsonable
from analysis.types import FloatArray, InputError, Trajectories


@dataclass(frozen=True)
class StanceSides:
    """Single-leg stance test per side: the longest bout standing on each foot (None: no bout)."""

    left: StanceBout | None
    right: StanceBout | None
    recording_s: float


TestResult = ChairStandResult | FiveTimesResult | TugResult | WalkTestResult | StanceSides | JumpTest


@dataclass(frozen=True)
class OutcomeSection:
    """One scored test; ``span_frames`` the frames it covers (None: the whole recording)."""

    test: Activity
    result: TestResult
    span_frames: tuple[int, int] | None

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "test": self.test,
            "label": LABELS[self.test],
            "result": to_jsonable(self.result),
            "span_frames": list(self.span_frames) if self.span_frames else None,
        }


def stance_sides(stance: SingleLegStance) -> StanceSides:
    best: dict[str, StanceBout] = {}
    for bout in stance.bouts:
        if bout.stance_side in ("left", "right") and (
            bout.stance_side not in best or bout.duration_s > best[bout.stance_side].duration_s
        ):
            best[bout.stance_side] = bout
    return StanceSides(left=best.get("left"), right=best.get("right"), recording_s=stance.recording_s)


def _span(start_s: float | None, end_s: float | None, rate: float, n: int) -> tuple[int, int] | None:
    if start_s is None or end_s is None:
        return None
    return max(0, round(start_s * rate)), min(n - 1, round(end_s * rate))


def outcome_section(
    test: Activity,
    traj: Trajectories,
    *,
    series: dict[str, FloatArray],
    scale: Scale | None,
    stance: SingleLegStance | None,
    start_s: float | None = None,
) -> OutcomeSection:
    """Score ``test`` on the subject's trajectories. Raises :class:`InputError` with the reason
    when the recording does not show the test (e.g. no rise from the chair). ``start_s``: when the
    test started in the recording ("go" of a test run live); None: the 30-second chair stand's
    clock starts at the first rise."""
    rate, n = traj.sampling_rate_hz, traj.n_frames
    if test == "chair_stand_30s":
        chair = chair_stand_30s(traj, start_s=start_s)
        return OutcomeSection(test, chair, _span(chair.start_s, chair.start_s + chair.window_s, rate, n))
    if test == "five_times_sit_to_stand":
        five = five_times_sit_to_stand(traj)
        end = None if five.time_s is None or five.start_s is None else five.start_s + five.time_s
        return OutcomeSection(test, five, _span(five.start_s, end, rate, n))
    if test == "tug":
        tug = timed_up_and_go(traj)
        return OutcomeSection(test, tug, _span(tug.rise_start_s, tug.seated_s, rate, n))
    if test == "ten_metre_walk":
        if scale is None:
            raise InputError("the 10-metre walk needs a length scale: enter the patient's body height")
        return OutcomeSection(test, ten_metre_walk(traj, scale=scale), None)
    if test == "single_leg_stance":
        if stance is None:
            raise InputError("no single-leg stance was measurable")
        return OutcomeSection(test, stance_sides(stance), None)
    if test == "jump":
        knee = {s: series[f"{s}_knee_flexion_image_plane"] for s in ("left", "right")}
        jump = jump_test(traj, knee)
        end = None if jump.landing_s is None else jump.landing_s + jump.landing_window_s
        return OutcomeSection(test, jump, _span(jump.landing_s, end, rate, n))
    raise InputError(f"{test!r} is not an outcome test")
