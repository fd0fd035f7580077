"""Published norms, cut-offs and minimal clinically important differences of the outcome tests.

Pure: a score (metric code, value) and the patient's age and sex in, a judgement with its source
out. ``sex`` is ``"female"`` or ``"male"``; a norm that needs an age or sex the record does not
have says so instead of guessing.

* ``chair_stand_count`` (30-second chair stand): below-average thresholds by age and sex, CDC
  STEADI "Assessment: 30-Second Chair Stand" (2017), from Rikli & Jones 2013; MCID 2 stands
  (Wright et al. 2011, J Orthop Sports Phys Ther 41:319, hip osteoarthritis).
* ``five_times_sit_to_stand``: mean times by age decade 60-89 (Bohannon 2006, Percept Mot Skills
  103:215: 11.4, 12.6, 14.8 s); more than 15 s flags recurrent-fall risk (Buatois et al. 2008,
  J Am Geriatr Soc 56:1575); MCID 2.3 s (Meretta et al. 2006, Otol Neurotol 27:1093).
* ``timed_up_and_go``: 12 s or more flags a fall risk (CDC STEADI "Timed Up & Go" 2017); MCID
  0.8 s (Wright et al. 2011).
* ``ten_metre_walk_speed`` and ``gait_speed``: functional bands (Fritz & Lusardi 2009, J Geriatr
  Phys Ther 32:2: below 0.4 m/s household, 0.4-0.8 limited community, 0.8-1.2 community, 1.2
  and above crosses streets safely) and the age- and sex-specific comfortable speed (Bohannon &
  Williams Andrews 2011, Physiotherapy 97:182); MCID 0.1 m/s (Perera et al. 2006, J Am Geriatr
  Soc 54:743, substantial change).
* ``single_leg_stance_time``: eyes-open means (best of three trials) by age and sex (Springer et
  al. 2007, J Geriatr Phys Ther 30:8); under 5 s flags a risk of injurious falls (Vellas et al.
  1997, J Am Geriatr Soc 45:735).
* ``jump_height``: no age norm is applied (athletic populations differ too much); the change
  between visits is compared with the typical error of video flight time at 30 frames per second
  (2 frames of flight time: about 3 cm at a 0.5 s flight).
* ``single_leg_stance_time`` has no MCID here: none is published for healthy older adults that we
  could confirm, so a change is stated without a judgement.

Checked against the published text (November 2026, abstracts and secondary tables):

* CDC STEADI chair-stand thresholds: all 14 values match the STEADI table (60-64 14/12 ... 90-94
  7/4, men/women).
* Bohannon & Williams Andrews 2011: the abstract's extremes match (143.4 cm/s, men 40-49; 94.3 cm/s,
  women 80-99); the other strata come from the paper's table and were not re-checked.
* Wright et al. 2011 (hip osteoarthritis, 65 patients): what they report is the *major* clinically
  important improvement by three anchor-based methods, TUG 0.8, 1.4 and 1.2 s and 30-second chair
  stand 2.0, 2.6 and 2.1 stands; the smallest (0.8 s, 2.0 stands) is used here, so a change below it
  is within the MCID by every method.
* Perera et al. 2006: substantial change near 0.10 m/s (small meaningful change near 0.05 m/s).
* Not checked (full text not found): the Springer et al. 2007 table (the abstract confirms the
  age groups 18-39 ... 80+ and the eyes-open best-of-three protocol, not the values), Bohannon 2006
  five-times sit-to-stand means, Buatois 2008 (15 s), Meretta 2006 (2.3 s), Vellas 1997 (5 s) and
  the STEADI TUG cut-off (12 s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

Sex = Literal["female", "male"]
Flag = Literal["ok", "below_norm", "risk", "incomplete"]

STEADI_CHAIR = "CDC STEADI 30-Second Chair Stand (2017), below-average scores by age and sex"
#: (lowest age, highest age) -> (female, male): a score below these is below average.
CHAIR_STAND_BELOW: dict[tuple[int, int], tuple[int, int]] = {
    (60, 64): (12, 14),
    (65, 69): (11, 12),
    (70, 74): (10, 12),
    (75, 79): (10, 11),
    (80, 84): (9, 10),
    (85, 89): (8, 8),
    (90, 94): (4, 7),
}
BOHANNON_FTSTS = "Bohannon 2006, Percept Mot Skills 103:215 (mean time by age)"
FTSTS_MEAN_S: dict[tuple[int, int], float] = {(60, 69): 11.4, (70, 79): 12.6, (80, 89): 14.8}
FTSTS_FALL_S = 15.0
TUG_FALL_S = 12.0
GAIT_BANDS: tuple[tuple[float, str], ...] = (
    (0.4, "household ambulator"),
    (0.8, "limited community ambulator"),
    (1.2, "community ambulator"),
    (math.inf, "crosses streets safely"),
)
BOHANNON_GAIT = "Bohannon & Williams Andrews 2011, Physiotherapy 97:182 (comfortable speed by age and sex)"
#: (lowest age, highest age) -> (female, male) mean comfortable gait speed in m/s.
GAIT_SPEED_MEAN: dict[tuple[int, int], tuple[float, float]] = {
    (20, 29): (1.34, 1.36),
    (30, 39): (1.34, 1.43),
    (40, 49): (1.39, 1.43),
    (50, 59): (1.31, 1.43),
    (60, 69): (1.24, 1.34),
    (70, 79): (1.13, 1.26),
    (80, 99): (0.94, 0.97),
}
SPRINGER = "Springer et al. 2007, J Geriatr Phys Ther 30:8 (eyes open, best of three, by age and sex)"
#: (lowest age, highest age) -> (female, male) mean single-leg stance time in s, eyes open.
STANCE_MEAN_S: dict[tuple[int, int], tuple[float, float]] = {
    (18, 39): (45.1, 44.4),
    (40, 49): (42.1, 41.6),
    (50, 59): (40.9, 41.5),
    (60, 69): (30.4, 33.8),
    (70, 79): (16.7, 25.9),
    (80, 99): (10.6, 8.7),
}
STANCE_FALL_S = 5.0


@dataclass(frozen=True)
class Mcid:
    """The smallest change that matters to patients, in the metric's unit, with its source."""

    value: float
    source: str


MCID: dict[str, Mcid] = {
    "chair_stand_count": Mcid(2.0, "Wright et al. 2011, J Orthop Sports Phys Ther 41:319"),
    "five_times_sit_to_stand": Mcid(2.3, "Meretta et al. 2006, Otol Neurotol 27:1093"),
    "timed_up_and_go": Mcid(0.8, "Wright et al. 2011, J Orthop Sports Phys Ther 41:319"),
    "ten_metre_walk_speed": Mcid(0.1, "Perera et al. 2006, J Am Geriatr Soc 54:743"),
    "gait_speed": Mcid(0.1, "Perera et al. 2006, J Am Geriatr Soc 54:743"),
    "jump_height": Mcid(0.03, "two video frames of flight time at 30 frames/s (measurement error)"),
}


@dataclass(frozen=True)
class NormJudgement:
    """A score against its norm: ``flag``, the ``text`` shown, the ``reference`` value or cut-off
    (None when the norm needs an age or sex not known) and the ``source``."""

    metric: str
    flag: Flag
    text: str
    reference: float | None
    source: str


def _band(
    table: dict[tuple[int, int], tuple[float, float]], age: int | None, sex: Sex | None
) -> float | None:
    if age is None or sex is None:
        return None
    for (lo, hi), (female, male) in table.items():
        if lo <= age <= hi:
            return female if sex == "female" else male
    return None


def _decade(table: dict[tuple[int, int], float], age: int | None) -> float | None:
    if age is None:
        return None
    return next((v for (lo, hi), v in table.items() if lo <= age <= hi), None)


def _who(age: int | None, sex: Sex | None) -> str:
    return f"{'women' if sex == 'female' else 'men'} aged {age}"


def judge(
    metric: str, value: float, *, age_years: int | None, sex: Sex | None, ended: bool = True
) -> NormJudgement | None:
    """``value`` of ``metric`` against its published norm; None for a metric without one.

    ``ended`` False: a timed hold the recording cut short (a single-leg stance without touchdown),
    so ``value`` is a lower bound: it is only compared when it already meets the norm."""
    if metric == "chair_stand_count":
        below = _band(CHAIR_STAND_BELOW, age_years, sex)  # type: ignore[arg-type]
        if below is None:
            return NormJudgement(metric, "ok", "norms cover ages 60-94 with a known sex", None, STEADI_CHAIR)
        if value < below:
            text = f"below average for {_who(age_years, sex)} (fewer than {below:g} stands): fall risk"
            return NormJudgement(metric, "risk", text, below, STEADI_CHAIR)
        return NormJudgement(
            metric, "ok", f"average or better for {_who(age_years, sex)}", below, STEADI_CHAIR
        )
    if metric == "five_times_sit_to_stand":
        if value > FTSTS_FALL_S:
            text = f"slower than {FTSTS_FALL_S:g} s: risk of recurrent falls"
            return NormJudgement(
                metric, "risk", text, FTSTS_FALL_S, "Buatois et al. 2008, J Am Geriatr Soc 56:1575"
            )
        mean = _decade(FTSTS_MEAN_S, age_years)
        if mean is None:
            return NormJudgement(
                metric, "ok", f"{FTSTS_FALL_S:g} s or faster", FTSTS_FALL_S, "Buatois et al. 2008"
            )
        flag: Flag = "below_norm" if value > mean else "ok"
        text = (
            f"{'slower' if value > mean else 'as fast or faster'} than the mean {mean:g} s at age {age_years}"
        )
        return NormJudgement(metric, flag, text, mean, BOHANNON_FTSTS)
    if metric == "timed_up_and_go":
        if value >= TUG_FALL_S:
            text = f"{TUG_FALL_S:g} s or more: fall risk"
            return NormJudgement(metric, "risk", text, TUG_FALL_S, "CDC STEADI Timed Up & Go (2017)")
        text = f"under {TUG_FALL_S:g} s"
        return NormJudgement(metric, "ok", text, TUG_FALL_S, "CDC STEADI Timed Up & Go (2017)")
    if metric in ("ten_metre_walk_speed", "gait_speed"):
        band = next(name for upper, name in GAIT_BANDS if value < upper)
        mean = _band(GAIT_SPEED_MEAN, age_years, sex)  # type: ignore[arg-type]
        if mean is None:
            flag = "risk" if value < 0.8 else "ok"
            return NormJudgement(metric, flag, band, None, "Fritz & Lusardi 2009, J Geriatr Phys Ther 32:2")
        flag = "risk" if value < 0.8 else ("below_norm" if value < mean else "ok")
        text = f"{band}; mean for {_who(age_years, sex)} {mean:.2f} m/s"
        return NormJudgement(metric, flag, text, mean, f"Fritz & Lusardi 2009; {BOHANNON_GAIT}")
    if metric == "single_leg_stance_time":
        mean = _band(STANCE_MEAN_S, age_years, sex)  # type: ignore[arg-type]
        if not ended and value < (mean if mean is not None else STANCE_FALL_S):
            text = (
                f"at least {value:.1f} s: the recording ended before the lifted foot touched down; "
                "record the whole test to compare it with the norm"
            )
            return NormJudgement(metric, "incomplete", text, mean, SPRINGER)
        if value < STANCE_FALL_S:
            text = f"under {STANCE_FALL_S:g} s: risk of injurious falls"
            return NormJudgement(
                metric, "risk", text, STANCE_FALL_S, "Vellas et al. 1997, J Am Geriatr Soc 45:735"
            )
        mean = _band(STANCE_MEAN_S, age_years, sex)  # type: ignore[arg-type]
        if mean is None:
            return NormJudgement(metric, "ok", f"{STANCE_FALL_S:g} s or more", STANCE_FALL_S, SPRINGER)
        flag = "below_norm" if value < mean else "ok"
        text = f"{'below' if value < mean else 'at or above'} the mean {mean:g} s for {_who(age_years, sex)}"
        return NormJudgement(metric, flag, text, mean, SPRINGER)
    return None


@dataclass(frozen=True)
class Change:
    """The change between two visits' scores and whether it reaches the MCID."""

    metric: str
    delta: float
    mcid: float
    meaningful: bool
    improved: bool
    source: str


def compare(metric: str, *, before: float, after: float, higher_is_better: bool) -> Change | None:
    """``after - before`` against the metric's MCID (None: no MCID known)."""
    m = MCID.get(metric)
    if m is None:
        return None
    delta = after - before
    # A small tolerance: a change equal to the MCID as stored (rounded) reaches it.
    meaningful = abs(delta) >= m.value - 1e-9
    return Change(
        metric=metric,
        delta=delta,
        mcid=m.value,
        meaningful=meaningful,
        improved=(delta > 0) == higher_is_better and delta != 0,
        source=m.source,
    )


#: The scores that have norms here, in the order tests are listed.
NORMED = (
    "chair_stand_count",
    "five_times_sit_to_stand",
    "timed_up_and_go",
    "ten_metre_walk_speed",
    "gait_speed",
    "single_leg_stance_time",
)


def age_on(date_of_birth: date, on: date) -> int:
    """Age in whole years on a date (for the norms' age bands)."""
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


def known_sex(value: str | None) -> Sex | None:
    """The record's sex as the norms use it (they are published for women and men only)."""
    return value if value in ("female", "male") else None  # type: ignore[return-value]


def hold_ended(outcome: dict[str, Any] | None, metric: str, side: str) -> bool:
    """Whether a timed hold of a stored ``outcome`` section ended within the recording (False for a
    single-leg stance bout the recording cut short; True for every other score)."""
    if not outcome or outcome.get("test") != "single_leg_stance" or metric != "single_leg_stance_time":
        return True
    bout = (outcome.get("result") or {}).get(side)
    return bool(bout.get("ended_by_touchdown", True)) if isinstance(bout, dict) else True
