"""Bias, MAE and limits of agreement against the worked example of Bland & Altman (1986).

Data: peak expiratory flow rate (l/min) of 17 people, first reading with the Wright peak flow
meter and with the mini Wright meter (Lancet 1986, table 1). The paper reports a mean difference
(Wright - mini) of -2.1 l/min, SD 38.8 l/min, and limits -79.7 to 75.5 l/min with 2 SD; with
1.96 SD they are -78.1 to 73.9 l/min.
"""

from __future__ import annotations

import pytest

from analysis.agreement import agreement, agreement_of_differences, differences, error_bound

WRIGHT = [494, 395, 516, 434, 476, 557, 413, 442, 650, 433, 417, 656, 267, 478, 178, 423, 427]
MINI_WRIGHT = [512, 430, 520, 428, 500, 600, 364, 380, 658, 445, 432, 626, 260, 477, 259, 350, 451]


def test_bland_altman_1986_worked_example() -> None:
    a = agreement(WRIGHT, MINI_WRIGHT)
    assert a is not None
    assert a.n == 17
    assert round(a.bias, 1) == -2.1
    assert a.sd is not None and round(a.sd, 1) == 38.8
    # The paper's limits, from its rounded bias and SD with 2 SD ...
    bias, sd = round(a.bias, 1), round(a.sd, 1)
    assert round(bias - 2 * sd, 1) == -79.7 and round(bias + 2 * sd, 1) == 75.5
    # ... and the 1.96 SD limits this module reports.
    assert a.loa_low is not None and a.loa_high is not None
    assert round(a.loa_low, 1) == -78.1 and round(a.loa_high, 1) == 73.9
    assert a.mean_abs_error == pytest.approx(492 / 17)
    assert error_bound(a) == pytest.approx(-a.loa_low)


def test_difference_is_measured_minus_reference() -> None:
    assert differences([10.0, 12.0], [9.0, 13.0]) == [1.0, -1.0]
    a = agreement([10.0, 12.0], [9.0, 13.0])
    assert a is not None and a.bias == 0.0 and a.mean_abs_error == 1.0


def test_one_pair_has_no_limits_and_none_has_no_summary() -> None:
    one = agreement_of_differences([-3.0])
    assert one is not None and one.sd is None and one.loa_low is None and one.loa_high is None
    assert error_bound(one) == 3.0
    assert agreement_of_differences([]) is None


def test_unequal_lengths_and_non_finite_values_are_refused() -> None:
    with pytest.raises(ValueError, match="2 measured values but 1 reference"):
        agreement([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="finite"):
        agreement_of_differences([1.0, float("nan")])
