"""Agreement between a measurement method and a reference: bias, mean absolute error and
Bland-Altman limits of agreement.

Conventions (Bland & Altman 1986, Lancet 327:307-310, "Statistical methods for assessing
agreement between two methods of clinical measurement"):

* the difference of a pair is ``measured - reference`` (positive = the method reads high or late);
* the **bias** is the mean difference, the **SD** the sample standard deviation of the
  differences (``n - 1`` in the denominator), the **mean absolute error** the mean of ``|difference|``;
* the **95 % limits of agreement** are ``bias - 1.96 SD`` and ``bias + 1.96 SD`` (the 1986 paper
  rounds 1.96 to 2; its worked example, the Wright and mini Wright peak flow meters, reads
  bias -2.1 l/min, SD 38.8 l/min);
* a Bland-Altman plot puts each pair's difference against the mean of the two methods.

With one pair there is no SD and no limits (``None``); with none there is nothing (:func:`agreement`
returns ``None``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

LOA_Z = 1.96  # two-sided 95 % of a normal distribution


@dataclass(frozen=True)
class Agreement:
    """Summary of ``n`` paired differences, in the unit of the measurements."""

    n: int
    bias: float
    mean_abs_error: float
    sd: float | None
    loa_low: float | None
    loa_high: float | None

    def to_json(self) -> dict[str, float | int | None]:
        return {
            "n": self.n,
            "bias": self.bias,
            "mean_abs_error": self.mean_abs_error,
            "sd": self.sd,
            "loa_low": self.loa_low,
            "loa_high": self.loa_high,
        }


def differences(measured: Sequence[float], reference: Sequence[float]) -> list[float]:
    """``measured - reference`` per pair; the two sequences must have the same length."""
    if len(measured) != len(reference):
        raise ValueError(f"{len(measured)} measured values but {len(reference)} reference values")
    return [float(m) - float(r) for m, r in zip(measured, reference, strict=True)]


def agreement_of_differences(diffs: Sequence[float]) -> Agreement | None:
    """Bias, MAE, SD and limits of agreement of already formed differences (None when empty)."""
    d = np.asarray(diffs, dtype=np.float64)
    if d.size == 0:
        return None
    if not np.all(np.isfinite(d)):
        raise ValueError("differences must be finite numbers")
    bias = float(d.mean())
    mae = float(np.abs(d).mean())
    if d.size < 2:
        return Agreement(n=1, bias=bias, mean_abs_error=mae, sd=None, loa_low=None, loa_high=None)
    sd = float(d.std(ddof=1))
    return Agreement(
        n=int(d.size),
        bias=bias,
        mean_abs_error=mae,
        sd=sd,
        loa_low=bias - LOA_Z * sd,
        loa_high=bias + LOA_Z * sd,
    )


def agreement(measured: Sequence[float], reference: Sequence[float]) -> Agreement | None:
    """:func:`agreement_of_differences` of ``measured - reference``."""
    return agreement_of_differences(differences(measured, reference))


def error_bound(a: Agreement) -> float:
    """The ± a clinician reads next to a value: the farther of the two limits of agreement from
    zero (95 % of the method's errors lie within ± this), else, with one pair, its absolute error."""
    if a.loa_low is None or a.loa_high is None:
        return a.mean_abs_error
    return max(abs(a.loa_low), abs(a.loa_high))
