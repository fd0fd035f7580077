"""Left/right symmetry measures and variability.

All symmetry measures here are side-free: exchanging left and right leaves them unchanged
(only :attr:`Symmetry.larger_side` flips), so a patient's affected side can be either.

* symmetry ratio: larger / smaller value, 1 = symmetric (Patterson et al. 2010, Neurorehabil
  Neural Repair 24:783);
* Robinson symmetry index: 100 * |R - L| / (0.5 * (R + L)) in percent (Robinson, Herzog and Nigg
  1987, J Manipulative Physiol Ther 10:172), 0 = symmetric;
* gait asymmetry: 100 * |ln(L / R)| in percent (Plotnik, Giladi and Hausdorff 2007, Exp Brain Res
  181:561, defined there on swing times), 0 = symmetric.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np


@dataclass(frozen=True)
class Stats:
    """Mean, standard deviation and coefficient of variation (CV = 100 * SD / mean, percent)."""

    mean: float
    sd: float
    cv_pct: float
    n: int


def stats(values: Sequence[float]) -> Stats:
    """:class:`Stats` of the finite ``values``; NaN fields when there are too few."""
    v = np.asarray([x for x in values if math.isfinite(x)], dtype=np.float64)
    if v.size == 0:
        return Stats(mean=math.nan, sd=math.nan, cv_pct=math.nan, n=0)
    mean = float(v.mean())
    sd = float(v.std(ddof=1)) if v.size > 1 else math.nan
    cv = 100.0 * sd / abs(mean) if v.size > 1 and mean != 0 else math.nan
    return Stats(mean=mean, sd=sd, cv_pct=cv, n=int(v.size))


@dataclass(frozen=True)
class Symmetry:
    left: float
    right: float
    ratio: float
    robinson_index_pct: float
    gait_asymmetry_pct: float
    larger_side: Literal["left", "right", "equal"]


def symmetry(left: float, right: float) -> Symmetry:
    """Symmetry of a positive quantity measured on both sides (see the module docstring)."""
    if not (math.isfinite(left) and math.isfinite(right)) or left <= 0 or right <= 0:
        nan = math.nan
        return Symmetry(
            left=left,
            right=right,
            ratio=nan,
            robinson_index_pct=nan,
            gait_asymmetry_pct=nan,
            larger_side="equal",
        )
    hi, lo = max(left, right), min(left, right)
    side: Literal["left", "right", "equal"] = (
        "equal" if left == right else ("left" if left > right else "right")
    )
    return Symmetry(
        left=left,
        right=right,
        ratio=hi / lo,
        robinson_index_pct=100.0 * (hi - lo) / (0.5 * (hi + lo)),
        gait_asymmetry_pct=100.0 * math.log(hi / lo),
        larger_side=side,
    )
