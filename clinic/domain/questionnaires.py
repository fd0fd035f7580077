"""Standard outcome questionnaires: item ranges, published scoring rules (missing items included)
and minimal clinically important differences (MCID).

Only item numbers and short labels of our own are kept here: the item wording of the ODI and the
QuickDASH is copyrighted and may not be reproduced or altered, so the clinic scores the patient's
completed official form. Each instrument names its source and licence.

Scoring sources:

* **LEFS** -- Binkley JM, Stratford PW, Lott SA, Riddle DL. The Lower Extremity Functional Scale
  (LEFS): scale development, measurement properties, and clinical application. *Phys Ther*
  1999;79(4):371-383. 20 items, 0 (extreme difficulty or unable) to 4 (no difficulty); the score is
  the sum, 0-80, higher is better. MCID 9 scale points (90% CI). The paper gives no rule for
  missing items, so all 20 are required. Licence: published with the article and free for
  clinical use without a fee; item wording is not reproduced here.
* **NPRS** -- 11-point numeric pain rating scale, 0 (no pain) to 10 (worst imaginable pain), one
  item, lower is better. MCID 2 points or a 30% reduction (Farrar JT et al. *Pain*
  2001;94:149-158; Childs JD et al. *Spine* 2005;30:1331-1334). Public domain.
* **ODI** (version 2.1a) -- Fairbank JCT, Pynsent PB. The Oswestry Disability Index. *Spine*
  2000;25(22):2940-2953. 10 sections, 0-5 each; the index is the sum over 5 x the sections
  answered, times 100 (%), lower is better. Worked example: 16 of 50 -> 32%; with one section
  missed, 16 of 45 -> 35.6%. More than one missed section: not scored. MCID 10 points (Ostelo RW
  et al. *Spine* 2008;33:90-94). Licence: copyright Jeremy Fairbank, distributed by Mapi Research
  Trust (ePROVIDE); a licence is required and the wording may not be reproduced.
* **QuickDASH** -- Beaton DE, Wright JG, Katz JN et al. Development of the QuickDASH. *J Bone
  Joint Surg Am* 2005;87(5):1038-1046; scoring per the Institute for Work & Health (IWH) manual:
  11 items, 1 (no difficulty) to 5 (unable / extreme); at least 10 answered; score =
  (sum / n - 1) x 25, 0-100, lower is better. MCID 8 points (Mintken PE et al. *J Shoulder Elbow
  Surg* 2009;18:920-926). Licence: copyright IWH; free for clinical, educational and research use
  without modification, permission required for commercial use; wording not reproduced here.

The KOOS JR is not offered: its score comes from a raw-to-interval conversion table (HSS) that we
could not check against its source.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from clinic.domain.errors import InvalidValue

Responses = Sequence[int | None]  # one entry per item, in item order; None = not answered


@dataclass(frozen=True, kw_only=True)
class Instrument:
    """A questionnaire: ``items`` short labels (ours), each answered ``item_min``..``item_max``.

    ``metric`` is the catalogue metric its score is recorded as; ``mcid_points`` the minimal
    clinically important difference in score points and ``mcid_percent`` a relative MCID (a
    change of at least this percentage of the earlier score), where one is published.
    """

    code: str
    name: str
    metric: str
    items: tuple[str, ...]
    item_min: int
    item_max: int
    anchors: str  # what the ends of the item scale mean
    max_missing: int
    mcid_points: float
    mcid_percent: float | None
    source: str
    licence: str
    score: Callable[[Responses], float]

    @property
    def higher_is_better(self) -> bool:
        """The direction of the score's metric, stated once in the vocabulary."""
        # Imported here: the vocabulary reads the instruments to know which metrics only a
        # questionnaire records.
        from clinic.domain.vocabulary import metric

        return metric(self.metric).higher_is_better


def _check(instrument: Instrument, responses: Responses) -> list[int]:
    """The answered items, after checking the count and each item's range."""
    if len(responses) != len(instrument.items):
        raise InvalidValue(
            f"the {instrument.name} has {len(instrument.items)} items, not {len(responses)}",
            code="wrong_item_count",
            field="responses",
        )
    answered = []
    for number, answer in enumerate(responses, start=1):
        if answer is None:
            continue
        if isinstance(answer, bool) or not isinstance(answer, int):
            raise InvalidValue(
                f"item {number} must be a whole number", code="not_a_number", field="responses"
            )
        if not instrument.item_min <= answer <= instrument.item_max:
            raise InvalidValue(
                f"item {number} must be {instrument.item_min}-{instrument.item_max} ({instrument.anchors}), "
                f"not {answer}",
                code="out_of_range",
                field="responses",
            )
        answered.append(answer)
    missing = len(responses) - len(answered)
    if missing > instrument.max_missing:
        allowed = (
            "every item must be answered"
            if instrument.max_missing == 0
            else f"at most {instrument.max_missing} may be left blank"
        )
        raise InvalidValue(
            f"the {instrument.name} cannot be scored with {missing} item{'s' if missing > 1 else ''} "
            f"unanswered: {allowed}",
            code="too_many_missing",
            field="responses",
        )
    return answered


def _lefs(responses: Responses) -> float:
    return float(sum(_check(LEFS, responses)))


def _nprs(responses: Responses) -> float:
    return float(sum(_check(NPRS, responses)))


def _odi(responses: Responses) -> float:
    answered = _check(ODI, responses)
    return round(100.0 * sum(answered) / (5 * len(answered)), 1)


def _quickdash(responses: Responses) -> float:
    answered = _check(QUICKDASH, responses)
    return round((sum(answered) / len(answered) - 1.0) * 25.0, 1)


LEFS = Instrument(
    code="lefs",
    name="Lower Extremity Functional Scale",
    metric="lefs_score",
    items=(
        "usual work, housework or school",
        "usual hobbies and sport",
        "getting into or out of the bath",
        "walking between rooms",
        "putting on shoes or socks",
        "squatting",
        "lifting an object from the floor",
        "light household activities",
        "heavy household activities",
        "getting into or out of a car",
        "walking two blocks",
        "walking a mile",
        "a flight of stairs, up or down",
        "standing for an hour",
        "sitting for an hour",
        "running on even ground",
        "running on uneven ground",
        "sharp turns while running fast",
        "hopping",
        "rolling over in bed",
    ),
    item_min=0,
    item_max=4,
    anchors="0 extreme difficulty or unable, 4 no difficulty",
    max_missing=0,
    mcid_points=9,
    mcid_percent=None,
    source="Binkley JM et al. Phys Ther 1999;79:371-383",
    licence="Free for clinical use; item wording not reproduced",
    score=_lefs,
)

NPRS = Instrument(
    code="nprs",
    name="Numeric Pain Rating Scale",
    metric="pain_nprs",
    items=("pain intensity",),
    item_min=0,
    item_max=10,
    anchors="0 no pain, 10 worst imaginable pain",
    max_missing=0,
    mcid_points=2,
    mcid_percent=30,
    source="Farrar JT et al. Pain 2001;94:149-158; Childs JD et al. Spine 2005;30:1331-1334",
    licence="Public domain",
    score=_nprs,
)

ODI = Instrument(
    code="odi",
    name="Oswestry Disability Index 2.1a",
    metric="odi_score",
    items=(
        "pain intensity",
        "personal care",
        "lifting",
        "walking",
        "sitting",
        "standing",
        "sleeping",
        "sex life",
        "social life",
        "travelling",
    ),
    item_min=0,
    item_max=5,
    anchors="0 first statement (least disability), 5 last statement (most)",
    max_missing=1,
    mcid_points=10,
    mcid_percent=None,
    source="Fairbank JCT, Pynsent PB. Spine 2000;25:2940-2953; MCID Ostelo RW et al. Spine 2008;33:90-94",
    licence="Copyright J. Fairbank, licensed through Mapi Research Trust; wording not reproduced",
    score=_odi,
)

QUICKDASH = Instrument(
    code="quickdash",
    name="QuickDASH",
    metric="quickdash_score",
    items=(
        "opening a tight jar",
        "heavy household chores",
        "carrying a heavy bag",
        "washing your back",
        "cutting food",
        "forceful arm or hand activities",
        "interference with social activities",
        "limitation in work or daily activities",
        "arm, shoulder or hand pain",
        "tingling",
        "sleep",
    ),
    item_min=1,
    item_max=5,
    anchors="1 no difficulty or symptom, 5 unable or extreme",
    max_missing=1,
    mcid_points=8,
    mcid_percent=None,
    source="Beaton DE et al. J Bone Joint Surg Am 2005;87:1038-1046 (IWH scoring); "
    "MCID Mintken PE et al. J Shoulder Elbow Surg 2009;18:920-926",
    licence="Copyright Institute for Work & Health; free for clinical use unmodified; wording not reproduced",
    score=_quickdash,
)

INSTRUMENTS: dict[str, Instrument] = {i.code: i for i in (LEFS, NPRS, ODI, QUICKDASH)}


def instrument(code: str) -> Instrument:
    try:
        return INSTRUMENTS[code]
    except KeyError:
        raise InvalidValue(
            f"unknown questionnaire {code!r}", code="unknown_instrument", known=sorted(INSTRUMENTS)
        ) from None


def score(code: str, responses: Responses) -> float:
    """The published score of ``responses`` to questionnaire ``code``, or InvalidValue."""
    return instrument(code).score(responses)


@dataclass(frozen=True, kw_only=True)
class Change:
    """A change in score between two administrations, read against the instrument's MCID."""

    points: float  # later minus earlier, in score points
    percent: float | None  # of the earlier score; None when the earlier score is 0
    improved: bool
    meaningful: bool  # at least the MCID, in either direction

    @property
    def label(self) -> str:
        if self.points == 0:
            return "no change"
        direction = "improvement" if self.improved else "worsening"
        return f"clinically important {direction}" if self.meaningful else f"{direction} below the MCID"


def change(code: str, *, earlier: float, later: float) -> Change:
    """``later`` against ``earlier`` on questionnaire ``code``: meaningful when the change
    reaches the MCID in points, or the relative MCID (percent of ``earlier``) where published."""
    inst = instrument(code)
    points = round(later - earlier, 1)
    percent = round(100.0 * points / earlier, 1) if earlier else None
    improved = points > 0 if inst.higher_is_better else points < 0
    meaningful = abs(points) >= inst.mcid_points or (
        inst.mcid_percent is not None and percent is not None and abs(percent) >= inst.mcid_percent
    )
    return Change(points=points, percent=percent, improved=improved and points != 0, meaningful=meaningful)
