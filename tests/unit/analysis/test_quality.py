"""Quality grades from visibility, the share of frames seen and jitter; withheld below half seen."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.quality import grade_landmarks, trunk_length_px

RATE_HZ = 30.0
FRAMES = 200
USES = (23, 25, 27)  # left hip, knee, ankle
TRUNK_PX = 200.0


def _still(visibility: float = 0.99) -> np.ndarray:
    """A still figure: shoulders 200 px above the hips, every landmark seen."""
    lm = np.zeros((FRAMES, 33, 4))
    lm[..., 0] = np.linspace(300, 700, 33)[None, :]
    lm[..., 1] = 600.0
    lm[:, [11, 12], 0] = lm[:, [23, 24], 0]  # shoulders straight above the hips
    lm[:, [11, 12], 1] = 600.0 - TRUNK_PX
    lm[..., 3] = visibility
    return lm


def _grade(lm: np.ndarray, *, rate_hz: float = RATE_HZ) -> tuple[str | None, float | None]:
    q = grade_landmarks(lm, USES, np.ones(FRAMES, dtype=bool), sampling_rate_hz=rate_hz)
    return q.grade, q.jitter_pct


def test_a_still_well_seen_figure_is_good() -> None:
    assert trunk_length_px(_still()) == pytest.approx(TRUNK_PX)
    grade, jitter = _grade(_still())
    assert grade == "good" and jitter == 0.0


@pytest.mark.parametrize(
    ("hidden_share", "grade"), [(0.05, "good"), (0.2, "fair"), (0.4, "poor"), (0.6, None)]
)
def test_share_of_frames_seen(hidden_share: float, grade: str | None) -> None:
    lm = _still()
    lm[: int(hidden_share * FRAMES), 25, 3] = 0.2  # the knee behind the other leg
    q = grade_landmarks(lm, USES, np.ones(FRAMES, dtype=bool), sampling_rate_hz=RATE_HZ)
    assert q.grade == grade
    assert q.share_seen == pytest.approx(1 - hidden_share)
    if grade is None:
        assert "too few to trust" in q.reason and f"{100 * (1 - hidden_share):.0f}%" in q.reason


@pytest.mark.parametrize(("visibility", "grade"), [(0.9, "good"), (0.7, "fair"), (0.55, "poor")])
def test_mean_visibility(visibility: float, grade: str) -> None:
    assert _grade(_still(visibility))[0] == grade


@pytest.mark.parametrize(("sigma_pct", "grade"), [(0.5, "good"), (2.0, "fair"), (5.0, "poor")])
def test_jitter_is_measured_and_graded(sigma_pct: float, grade: str) -> None:
    lm = _still()
    noise = np.random.default_rng(11).normal(scale=sigma_pct / 100 * TRUNK_PX, size=(FRAMES, 33, 2))
    lm[..., :2] += noise
    got_grade, jitter = _grade(lm)
    assert got_grade == grade
    assert jitter == pytest.approx(sigma_pct, rel=0.2)


def test_jitter_is_not_graded_at_low_frame_rates() -> None:
    lm = _still()
    lm[..., :2] += np.random.default_rng(2).normal(scale=0.05 * TRUNK_PX, size=(FRAMES, 33, 2))
    assert _grade(lm, rate_hz=5.0) == ("good", None)


def test_only_the_frames_used_count() -> None:
    lm = _still()
    lm[:100, 27, :] = np.nan  # the ankle unseen in the first half
    frames = np.zeros(FRAMES, dtype=bool)
    frames[100:] = True
    assert grade_landmarks(lm, USES, frames, sampling_rate_hz=RATE_HZ).grade == "good"
    assert grade_landmarks(lm, USES, ~frames, sampling_rate_hz=RATE_HZ).grade is None
    assert grade_landmarks(lm, USES, np.zeros(FRAMES, dtype=bool), sampling_rate_hz=RATE_HZ).grade is None
