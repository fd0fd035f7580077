"""What an outcome-test score means, in the words every page and document prints: the score
against its published norm for the patient's age and sex (with the source) and the change since
the previous recorded score against the minimal clinically important difference (MCID).

The one place these statements are made: the visit page's outcome panel
(:mod:`clinic.reports.outcomes`), the progress page and the PDF reports all call
:func:`score_statement` (or :func:`record_statements` over a record). The judgements themselves
are :func:`analysis.norms.judge` and :func:`analysis.norms.compare`. Pure: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analysis import norms
from clinic.domain.present import format_value
from clinic.domain.vocabulary import METRICS, metric_label
from clinic.reports.model import Measurement, PatientRecord

#: The values an outcome test reports that are shown with norms or changes.
SCORES = (*norms.NORMED, "jump_height")

#: What the single-leg stance analysis writes in a value's technique when the recording ended
#: before the lifted foot touched down (analysis.section_values): the time is a lower bound.
NO_TOUCHDOWN = "no touchdown"


@dataclass(frozen=True)
class ChangeStatement:
    """The change since the previous recorded score, against the MCID."""

    delta: float
    delta_text: str  # signed, with its unit: "-2.10 s", "+3 stands"
    since: date
    mcid_text: str  # empty: no MCID is published for the test
    meaningful: bool
    improved: bool
    source: str

    @property
    def verdict(self) -> str:
        """ "at or above the MCID of 0.80 s: a meaningful improvement", or "within the MCID of
        0.80 s: not a meaningful change"."""
        if not self.mcid_text:
            return "no published MCID to judge it against"
        if not self.meaningful:
            return f"within the MCID of {self.mcid_text}: not a meaningful change"
        kind = "improvement" if self.improved else "decline"
        return f"at or above the MCID of {self.mcid_text}: a meaningful {kind}"

    @property
    def text(self) -> str:
        return f"change {self.delta_text} since {self.since.isoformat()}, {self.verdict}"


@dataclass(frozen=True)
class ScoreStatement:
    """One score: its value, its norm judgement (None: no published norm applied) and its change
    against the MCID (None: no earlier recorded score, or no MCID known)."""

    metric: str
    label: str
    side: str
    measured_on: date | None
    value_text: str
    norm: norms.NormJudgement | None
    change: ChangeStatement | None
    age_years: int
    sex: norms.Sex | None

    @property
    def norm_text(self) -> str:
        """The norm judgement with its source, or why none is applied."""
        if self.norm is None:
            return "no published norm applied"
        return f"{self.norm.text} ({self.norm.source})"


def score_statement(
    metric: str,
    value: float,
    *,
    unit: str,
    side: str = "",
    age_years: int,
    sex: norms.Sex | None,
    ended: bool = True,
    before: tuple[float, date] | None = None,
    measured_on: date | None = None,
) -> ScoreStatement:
    """``value`` of ``metric`` against its norm and, given the previous recorded score
    ``before`` (value, date), the change against the MCID."""
    judged = norms.judge(metric, value, age_years=age_years, sex=sex, ended=ended)
    change = None
    if before is not None and metric in METRICS:
        higher_is_better = METRICS[metric].higher_is_better
        compared = norms.compare(metric, before=before[0], after=value, higher_is_better=higher_is_better)
        delta = value - before[0] if compared is None else compared.delta
        change = ChangeStatement(
            delta=delta,
            delta_text=("+" if delta > 0 else "") + format_value(delta, unit=unit, metric=metric),
            since=before[1],
            mcid_text=format_value(compared.mcid, unit=unit, metric=metric) if compared else "",
            meaningful=compared.meaningful if compared else False,
            improved=compared.improved if compared else (delta > 0) == higher_is_better and delta != 0,
            source=compared.source if compared else "",
        )
    return ScoreStatement(
        metric=metric,
        label=metric_label(metric),
        side=side,
        measured_on=measured_on,
        value_text=format_value(value, unit=unit, metric=metric),
        norm=judged,
        change=change,
        age_years=age_years,
        sex=sex,
    )


def measurement_ended(m: Measurement) -> bool:
    """Whether a recorded timed hold ended within its recording (False for a single-leg stance the
    video analysis measured without a touchdown)."""
    return not (m.metric == "single_leg_stance_time" and m.method == "video" and NO_TOUCHDOWN in m.technique)


def record_statements(record: PatientRecord, *, until: date | None = None) -> list[ScoreStatement]:
    """Every recorded outcome-test score of ``record`` (up to ``until``), oldest first, each
    against its norm for the patient's age on its date and against the previous score of the
    same test and side. A document passes a record already restricted to its date
    (:func:`clinic.reports.asof.as_of`)."""
    sex = norms.known_sex(record.sex)
    history: dict[tuple[str, str], list[tuple[float, date]]] = {}
    statements = []
    for m in sorted(record.measurements, key=lambda m: m.measured_on):
        if m.metric not in SCORES or (until is not None and m.measured_on > until):
            continue
        earlier = history.setdefault((m.metric, m.side), [])
        # The change is against the latest score of an earlier visit (not a second trial that day).
        before = next((e for e in reversed(earlier) if e[1] < m.measured_on), None)
        statements.append(
            score_statement(
                m.metric,
                m.value,
                unit=m.unit,
                side=m.side,
                age_years=norms.age_on(record.date_of_birth, m.measured_on),
                sex=sex,
                ended=measurement_ended(m),
                before=before,
                measured_on=m.measured_on,
            )
        )
        earlier.append((m.value, m.measured_on))
    return statements
