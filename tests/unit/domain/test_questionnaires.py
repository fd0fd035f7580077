"""Questionnaire scoring against the published rules and worked examples, and change vs MCID."""

from __future__ import annotations

import pytest

from clinic.domain import questionnaires as q
from clinic.domain.errors import InvalidValue
from clinic.domain.vocabulary import METRICS


def test_lefs_is_the_sum_of_twenty_items() -> None:
    assert q.score("lefs", [4] * 20) == 80
    assert q.score("lefs", [0] * 20) == 0
    assert q.score("lefs", [3] * 10 + [2] * 10) == 50


def test_lefs_needs_every_item() -> None:
    with pytest.raises(InvalidValue) as err:
        q.score("lefs", [4] * 19 + [None])
    assert err.value.code == "too_many_missing"


@pytest.mark.parametrize(
    ("responses", "code"), [([4] * 19, "wrong_item_count"), ([5] + [4] * 19, "out_of_range")]
)
def test_lefs_refuses_malformed_answers(responses: list[int | None], code: str) -> None:
    with pytest.raises(InvalidValue) as err:
        q.score("lefs", responses)
    assert err.value.code == code


def test_odi_fairbank_worked_examples() -> None:
    """Fairbank & Pynsent 2000: 16 of 50 is 32%; one section missed, 16 of 45 is 35.6%."""
    all_answered = [2, 2, 2, 2, 2, 2, 1, 1, 1, 1]
    assert sum(all_answered) == 16
    assert q.score("odi", all_answered) == 32.0
    one_missed = [2, 2, 2, 2, 2, 2, 2, 1, 1, None]
    assert q.score("odi", one_missed) == 35.6


def test_odi_with_two_sections_missed_is_not_scored() -> None:
    with pytest.raises(InvalidValue, match="2 items unanswered"):
        q.score("odi", [2] * 8 + [None, None])


def test_quickdash_iwh_formula() -> None:
    """IWH: ((sum of n responses / n) - 1) x 25."""
    assert q.score("quickdash", [1] * 11) == 0
    assert q.score("quickdash", [5] * 11) == 100
    assert q.score("quickdash", [3] * 10 + [4]) == 52.3  # (34/11 - 1) x 25 = 52.27
    assert q.score("quickdash", [2] * 10 + [None]) == 25.0  # 10 of 11 answered is enough


def test_quickdash_needs_ten_of_eleven_items() -> None:
    with pytest.raises(InvalidValue) as err:
        q.score("quickdash", [2] * 9 + [None, None])
    assert err.value.code == "too_many_missing"


def test_quickdash_items_start_at_one() -> None:
    with pytest.raises(InvalidValue, match="item 1 must be 1-5"):
        q.score("quickdash", [0] + [1] * 10)


def test_nprs_is_the_rating() -> None:
    assert q.score("nprs", [7]) == 7
    with pytest.raises(InvalidValue):
        q.score("nprs", [11])


def test_unknown_instrument() -> None:
    with pytest.raises(InvalidValue) as err:
        q.score("sf36", [1])
    assert err.value.code == "unknown_instrument"


def test_every_instrument_scores_into_its_metric() -> None:
    for inst in q.INSTRUMENTS.values():
        metric = METRICS[inst.metric]
        assert metric.higher_is_better == inst.higher_is_better
        lowest = inst.score([inst.item_min] * len(inst.items))
        highest = inst.score([inst.item_max] * len(inst.items))
        assert metric.minimum <= min(lowest, highest) and max(lowest, highest) <= metric.maximum


def test_lefs_change_against_its_mcid_of_nine_points() -> None:
    assert q.change("lefs", earlier=40, later=49).meaningful
    assert q.change("lefs", earlier=40, later=49).improved
    below = q.change("lefs", earlier=40, later=48)
    assert not below.meaningful and below.label == "improvement below the MCID"
    worse = q.change("lefs", earlier=40, later=30)
    assert worse.meaningful and not worse.improved and worse.label == "clinically important worsening"


def test_nprs_change_by_two_points_or_thirty_percent() -> None:
    assert q.change("nprs", earlier=6, later=4).meaningful  # 2 points
    assert q.change("nprs", earlier=3, later=2).meaningful  # 1 point, 33%
    small = q.change("nprs", earlier=8, later=7)  # 1 point, 12.5%
    assert small.improved and not small.meaningful


def test_lower_is_better_scores_improve_downwards() -> None:
    odi = q.change("odi", earlier=42, later=30)
    assert odi.improved and odi.meaningful and odi.points == -12
    assert q.change("quickdash", earlier=40, later=40).label == "no change"
