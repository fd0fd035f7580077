"""Contacts into standing and toe-offs out of it from ground-frame foot speeds
(analysis.gait.ground_frame), on minimum-jerk steps whose threshold crossings are known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.gait.ground_frame import LANDED_FRACTION, LIFTED_FRACTION, events_around_standing

RATE_HZ = 200.0
SWING_S = 0.4


def _min_jerk_tau(fraction: float, *, late: bool) -> float:
    """Where a minimum-jerk movement's speed, 30 tau^2 (1 - tau)^2 of its mean, is ``fraction`` of
    its peak (16 tau^2 (1 - tau)^2 = fraction): the late root for a landing, the early one for a lift."""
    root = np.sqrt(1 - 4 * np.sqrt(fraction / 16))
    return float((1 + root) / 2 if late else (1 - root) / 2)


def _step(n: int, start: int, length_m: float) -> np.ndarray:
    """(frames, 3) foot path standing still, then one minimum-jerk swing of ``length_m`` along x
    lasting ``SWING_S`` from frame ``start``, then still again."""
    t = (np.arange(n) - start) / (SWING_S * RATE_HZ)
    tau = np.clip(t, 0.0, 1.0)
    x = length_m * (10 * tau**3 - 15 * tau**4 + 6 * tau**5)
    return np.stack([x, np.zeros(n), np.zeros(n)], axis=1)


def _feet(left: np.ndarray, right: np.ndarray) -> dict[str, np.ndarray]:
    toe = np.array([0.2, 0.0, 0.0])  # the toe 20 cm ahead of the heel
    return {"left_heel": left, "left_toe": left + toe, "right_heel": right, "right_toe": right + toe}


def _events(positions: dict[str, np.ndarray], spans: list[tuple[int, int]]) -> list[tuple[str, str, float]]:
    found = events_around_standing(
        positions, spans, horiz=[0, 2], sampling_rate_hz=RATE_HZ, window_frames=220, min_step=0.1
    )
    return [(e.foot, e.kind, e.pos) for e in found]


def test_last_step_into_standing_lands_where_the_speed_falls_to_the_fraction() -> None:
    n, start = 600, 100
    still = np.zeros((n, 3))
    events = _events(_feet(_step(n, start, 0.6), still), [(300, n)])
    expected = start + _min_jerk_tau(LANDED_FRACTION, late=True) * SWING_S * RATE_HZ
    assert [(f, k) for f, k, _ in events] == [("left", "initial_contact")]
    assert events[0][2] == pytest.approx(expected, abs=0.3)


def test_first_toe_off_out_of_standing_lifts_where_the_speed_rises_to_the_fraction() -> None:
    n, start = 600, 350
    still = np.zeros((n, 3))
    events = _events(_feet(still, _step(n, start, 0.6)), [(0, 300)])
    expected = start + _min_jerk_tau(LIFTED_FRACTION, late=False) * SWING_S * RATE_HZ
    assert [(f, k) for f, k, _ in events] == [("right", "toe_off")]
    assert events[0][2] == pytest.approx(expected, abs=0.3)


def test_a_shuffle_shorter_than_a_step_is_not_timed() -> None:
    n = 600
    still = np.zeros((n, 3))
    # 3 cm: a weight shift or closing adjustment, under the 10 cm step of this test.
    assert _events(_feet(_step(n, 100, 0.03), still), [(300, n)]) == []
    assert _events(_feet(still, _step(n, 350, 0.03)), [(0, 300)]) == []


def test_a_step_before_the_window_is_not_the_last_step() -> None:
    """A swing that ended more than a window before standing belongs to walking the extrema time."""
    n = 900
    still = np.zeros((n, 3))
    assert _events(_feet(_step(n, 100, 0.6), still), [(600, n)]) == []
