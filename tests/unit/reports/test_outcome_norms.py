"""The norm and MCID statements of outcome-test scores, made once for the visit page, the progress
page and the PDF reports (clinic.reports.outcome_norms), and printed in the PDF as of its date."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from clinic.reports import pdf
from clinic.reports.model import Measurement, PatientRecord
from clinic.reports.outcome_norms import record_statements, score_statement
from tests.unit.reports.records import VISITS, record
from tests.unit.reports.test_pdf_text import pdf_text

EVAL, TREAT, DISCHARGE = (day for _, day in VISITS)


def _score(metric: str, value: float, unit: str, day: date, **kw: str) -> Measurement:
    return Measurement(
        metric=metric, label=metric, value=value, unit=unit, measured_on=day,
        visit_id=f"v{[d for _, d in VISITS].index(day)}", **kw,
    )  # fmt: skip


def _of(rec: PatientRecord, metric: str) -> list:  # type: ignore[type-arg]
    return [s for s in record_statements(rec) if s.metric == metric]


def _with_scores(*scores: Measurement, sex: str = "female") -> PatientRecord:
    base = record()
    return replace(base, sex=sex, measurements=(*base.measurements, *scores))


def test_change_against_the_mcid_within_and_beyond() -> None:
    """TUG 15.0 -> 14.5 (0.5 s, under the 0.8 s MCID) -> 13.0 (1.5 s, beyond it)."""
    rec = _with_scores(
        _score("timed_up_and_go", 15.0, "s", EVAL),
        _score("timed_up_and_go", 14.5, "s", TREAT),
        _score("timed_up_and_go", 13.0, "s", DISCHARGE),
    )
    first, second, third = _of(rec, "timed_up_and_go")
    assert first.change is None
    assert second.change is not None and not second.change.meaningful
    assert (
        second.change.text
        == f"change -0.50 s since {EVAL.isoformat()}, within the MCID of 0.80 s: not a meaningful change"
    )
    assert third.change is not None and third.change.meaningful and third.change.improved
    assert third.change.text.endswith("at or above the MCID of 0.80 s: a meaningful improvement")
    assert third.change.since == TREAT and "Wright" in third.change.source
    # Norm: 12 s or more is the STEADI fall-risk flag, on every one of these scores.
    assert all(s.norm is not None and s.norm.flag == "risk" for s in (first, second, third))
    assert "STEADI" in third.norm_text


def test_a_worse_score_beyond_the_mcid_is_a_decline() -> None:
    rec = _with_scores(
        _score("chair_stand_count", 12, "count", EVAL), _score("chair_stand_count", 9, "count", TREAT)
    )
    later = _of(rec, "chair_stand_count")[1]
    assert later.change is not None and later.change.meaningful and not later.change.improved
    assert (
        later.change.text.startswith("change -3 stands since") and "a meaningful decline" in later.change.text
    )


def test_norm_by_age_on_the_test_date_and_sex() -> None:
    """Born 1950-01-02: 76 on 2026-01-05. STEADI women 75-79: below 10 stands; men: below 11."""
    women = _of(_with_scores(_score("chair_stand_count", 10, "count", EVAL)), "chair_stand_count")[0]
    men = _of(_with_scores(_score("chair_stand_count", 10, "count", EVAL), sex="male"), "chair_stand_count")[
        0
    ]
    assert women.age_years == 76 and women.norm is not None and women.norm.flag == "ok"
    assert men.norm is not None and men.norm.flag == "risk" and "fewer than 11 stands" in men.norm.text
    other = _of(
        _with_scores(_score("chair_stand_count", 10, "count", EVAL), sex="other"), "chair_stand_count"
    )[0]
    assert other.sex is None and other.norm is not None and other.norm.reference is None


def test_sides_and_second_trials_are_compared_with_an_earlier_visit_of_the_same_side() -> None:
    rec = _with_scores(
        _score("single_leg_stance_time", 10.0, "s", EVAL, side="left"),
        _score("single_leg_stance_time", 30.0, "s", EVAL, side="right"),
        _score("single_leg_stance_time", 12.0, "s", TREAT, side="left"),
        _score("single_leg_stance_time", 13.0, "s", TREAT, side="left"),
    )
    statements = _of(rec, "single_leg_stance_time")
    assert [s.change is None for s in statements] == [True, True, False, False]
    assert [s.change.delta for s in statements[2:]] == [2.0, 3.0]  # type: ignore[union-attr]
    # No MCID is published for single-leg stance: the change is stated and says so.
    assert statements[2].change.text.endswith("no published MCID to judge it against")  # type: ignore[union-attr]


def test_a_stance_without_touchdown_is_a_lower_bound() -> None:
    cut = _score(
        "single_leg_stance_time", 8.0, "s", EVAL, method="video",
        technique="time on one foot with the other off the floor (no touchdown; pose)",
    )  # fmt: skip
    judged = _of(_with_scores(cut), "single_leg_stance_time")[0]
    assert judged.norm is not None and judged.norm.flag == "incomplete"
    ended = replace(cut, technique="time on one foot (ended by touchdown; pose)")
    assert _of(_with_scores(ended), "single_leg_stance_time")[0].norm.flag == "below_norm"  # type: ignore[union-attr]


def test_jump_height_has_an_mcid_but_no_norm() -> None:
    s = score_statement(
        "jump_height", 0.30, unit="m", age_years=30, sex="male", before=(0.25, EVAL), measured_on=TREAT
    )
    assert s.norm is None and s.norm_text == "no published norm applied"
    assert s.change is not None and s.change.meaningful and "MCID of 0.03 m" in s.change.text


def test_pdf_prints_the_statements_up_to_its_date_only() -> None:
    rec = _with_scores(
        _score("timed_up_and_go", 15.0, "s", EVAL),
        _score("timed_up_and_go", 13.0, "s", DISCHARGE),
        _score("ten_metre_walk_speed", 0.70, "m/s", EVAL),
    )
    evaluation = pdf_text(pdf.render(rec, "evaluation"))
    assert "Outcome tests against published norms" in evaluation
    assert "12 s or more: fall risk" in evaluation and "CDC STEADI" in evaluation
    assert "limited community ambulator" in evaluation and "Bohannon" in evaluation
    assert "13.00 s" not in evaluation and "MCID of 0.80 s" not in evaluation  # measured later
    discharge = pdf_text(pdf.render(rec, "discharge"))
    assert (
        f"change -2.00 s since {EVAL.isoformat()}, at or above the MCID of 0.80 s: a meaningful improvement"
        in discharge
    )
    assert "for women of the patient's age" in discharge


def test_pdf_without_outcome_scores_has_no_outcome_section() -> None:
    bare = replace(record(), measurements=tuple(m for m in record().measurements if m.metric == "cadence"))
    assert "Outcome tests against published norms" not in pdf_text(pdf.render(bare, "discharge"))
