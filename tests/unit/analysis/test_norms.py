"""Norms, cut-offs and MCIDs of the outcome tests, and the protocol cards' single definition."""

from __future__ import annotations

from datetime import date

import pytest

from analysis import norms
from analysis.activities import ACTIVITIES, LIVE_ACTIVITIES, OUTCOME_TESTS
from analysis.protocols import PROTOCOLS, protocol
from clinic.domain.vocabulary import METRICS


@pytest.mark.parametrize(
    ("age", "sex", "count", "flag"),
    [
        (62, "male", 13, "risk"),  # STEADI: men 60-64 below 14
        (62, "male", 14, "ok"),
        (62, "female", 13, "ok"),  # women 60-64 below 12
        (72, "female", 9, "risk"),
        (87, "male", 8, "ok"),
        (92, "female", 3, "risk"),
    ],
)
def test_chair_stand_against_steadi_by_age_and_sex(age: int, sex: norms.Sex, count: int, flag: str) -> None:
    judged = norms.judge("chair_stand_count", count, age_years=age, sex=sex)
    assert judged is not None and judged.flag == flag and "STEADI" in judged.source


def test_chair_stand_without_age_says_so_rather_than_guessing() -> None:
    judged = norms.judge("chair_stand_count", 5, age_years=None, sex="female")
    assert judged is not None and judged.reference is None and judged.flag == "ok"
    assert "60-94" in judged.text


def test_tug_twelve_seconds_is_the_fall_risk_flag() -> None:
    assert norms.judge("timed_up_and_go", 11.9, age_years=None, sex=None).flag == "ok"  # type: ignore[union-attr]
    risk = norms.judge("timed_up_and_go", 12.0, age_years=None, sex=None)
    assert risk is not None and risk.flag == "risk" and risk.reference == 12.0


@pytest.mark.parametrize(
    ("speed", "band"),
    [
        (0.3, "household"),
        (0.6, "limited community"),
        (1.0, "community ambulator"),
        (1.3, "crosses streets"),
    ],
)
def test_gait_speed_bands(speed: float, band: str) -> None:
    judged = norms.judge("ten_metre_walk_speed", speed, age_years=None, sex=None)
    assert judged is not None and band in judged.text


def test_gait_speed_against_age_and_sex_mean() -> None:
    judged = norms.judge("ten_metre_walk_speed", 1.2, age_years=75, sex="male")
    assert judged is not None and judged.flag == "below_norm" and judged.reference == 1.26


def test_five_times_sit_to_stand() -> None:
    assert norms.judge("five_times_sit_to_stand", 16.0, age_years=70, sex="male").flag == "risk"  # type: ignore[union-attr]
    slow = norms.judge("five_times_sit_to_stand", 13.0, age_years=72, sex="female")
    assert slow is not None and slow.flag == "below_norm" and slow.reference == 12.6
    assert norms.judge("five_times_sit_to_stand", 10.0, age_years=65, sex="male").flag == "ok"  # type: ignore[union-attr]


def test_single_leg_stance_springer_and_vellas() -> None:
    assert norms.judge("single_leg_stance_time", 4.0, age_years=70, sex="female").flag == "risk"  # type: ignore[union-attr]
    below = norms.judge("single_leg_stance_time", 15.0, age_years=72, sex="female")
    assert (
        below is not None
        and below.flag == "below_norm"
        and below.reference == 16.7
        and "Springer" in below.source
    )
    assert norms.judge("single_leg_stance_time", 20.0, age_years=72, sex="female").flag == "ok"  # type: ignore[union-attr]


def test_no_norm_for_other_metrics() -> None:
    assert norms.judge("cadence", 100, age_years=70, sex="male") is None


def test_mcid_comparison_direction_and_threshold() -> None:
    better = norms.compare("timed_up_and_go", before=14.0, after=12.5, higher_is_better=False)
    assert better is not None and better.meaningful and better.improved
    small = norms.compare("chair_stand_count", before=10, after=11, higher_is_better=True)
    assert small is not None and not small.meaningful and small.improved
    assert norms.compare("chair_stand_count", before=10, after=12, higher_is_better=True).meaningful  # type: ignore[union-attr]
    assert norms.compare("cadence", before=1, after=2, higher_is_better=True) is None


def test_every_mcid_metric_is_in_the_catalogue_with_its_unit_sense() -> None:
    for code in norms.MCID:
        assert code in METRICS, code


def test_age_on() -> None:
    assert norms.age_on(date(1950, 6, 15), date(2026, 6, 14)) == 75
    assert norms.age_on(date(1950, 6, 15), date(2026, 6, 15)) == 76
    assert norms.known_sex("other") is None and norms.known_sex("female") == "female"


def test_every_outcome_test_has_one_protocol_card() -> None:
    assert set(PROTOCOLS) == set(OUTCOME_TESTS) and set(OUTCOME_TESTS) <= set(ACTIVITIES)
    for test in OUTCOME_TESTS:
        card = protocol(test)
        assert card is not None and card.set_up and card.camera and card.instructions and card.scoring
    assert protocol("squat") is None
    assert (
        "camera" in PROTOCOLS["ten_metre_walk"].camera.lower()
        and "side" in PROTOCOLS["ten_metre_walk"].camera
    )


def test_standard_tests_are_offered_live() -> None:
    # Live capture runs them with a countdown and an automatic stop (analysis.stop_rules).
    assert "tug" in LIVE_ACTIVITIES and "chair_stand_30s" in LIVE_ACTIVITIES
    assert "single_leg_stance" in LIVE_ACTIVITIES and "auto" not in LIVE_ACTIVITIES


def test_a_stance_the_recording_cut_short_is_a_lower_bound_not_a_risk() -> None:
    cut = norms.judge("single_leg_stance_time", 1.7, age_years=30, sex="female", ended=False)
    assert cut is not None and cut.flag == "incomplete" and "at least 1.7 s" in cut.text
    # Already above the norm when cut short: compared as usual.
    long = norms.judge("single_leg_stance_time", 50.0, age_years=30, sex="female", ended=False)
    assert long is not None and long.flag == "ok"
    outcome = {"test": "single_leg_stance", "result": {"left": {"ended_by_touchdown": False}, "right": None}}
    assert not norms.hold_ended(outcome, "single_leg_stance_time", "left")
    assert norms.hold_ended(outcome, "single_leg_stance_time", "right")
    assert norms.hold_ended({"test": "tug", "result": {}}, "timed_up_and_go", "")
