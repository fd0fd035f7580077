"""Code lists the records use: metrics and units, visit types, FHIR goal statuses, ICD-10.

Sources: HL7 FHIR R4 ValueSets ``goal-status`` (lifecycle) and ``goal-achievement``;
AdministrativeGender; ICD-10-CM code structure (letter, two digits, optional dot and up
to four characters).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from clinic.domain.errors import InvalidValue
from clinic.domain.questionnaires import INSTRUMENTS


class VisitType(StrEnum):
    EVALUATION = "evaluation"
    TREATMENT = "treatment"
    PROGRESS_REPORT = "progress_report"
    RE_EVALUATION = "re_evaluation"
    DISCHARGE = "discharge"


# Visits after which the "visits since the last progress report" counter starts again.
REPORTING_VISIT_TYPES = frozenset({VisitType.EVALUATION, VisitType.PROGRESS_REPORT, VisitType.RE_EVALUATION})


class GoalLifecycle(StrEnum):
    """FHIR R4 Goal.lifecycleStatus (http://hl7.org/fhir/goal-status)."""

    PROPOSED = "proposed"
    PLANNED = "planned"
    ACCEPTED = "accepted"
    ACTIVE = "active"
    ON_HOLD = "on-hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    ENTERED_IN_ERROR = "entered-in-error"
    REJECTED = "rejected"


TERMINAL_LIFECYCLE = frozenset(
    {GoalLifecycle.COMPLETED, GoalLifecycle.CANCELLED, GoalLifecycle.ENTERED_IN_ERROR, GoalLifecycle.REJECTED}
)


class GoalAchievement(StrEnum):
    """FHIR R4 Goal.achievementStatus (http://terminology.hl7.org/CodeSystem/goal-achievement)."""

    IN_PROGRESS = "in-progress"
    IMPROVING = "improving"
    WORSENING = "worsening"
    NO_CHANGE = "no-change"
    ACHIEVED = "achieved"
    SUSTAINING = "sustaining"
    NOT_ACHIEVED = "not-achieved"
    NO_PROGRESS = "no-progress"
    NOT_ATTAINABLE = "not-attainable"


# What a discharge summary may say of each goal still open at discharge (FHIR goal-achievement).
DISCHARGE_OUTCOMES = (
    GoalAchievement.ACHIEVED,
    GoalAchievement.NOT_ACHIEVED,
    GoalAchievement.NO_PROGRESS,
    GoalAchievement.NOT_ATTAINABLE,
)
# Lifecycle states that take a goal off the plan; the record keeps why.
DISCONTINUED_LIFECYCLE = frozenset({GoalLifecycle.CANCELLED, GoalLifecycle.ENTERED_IN_ERROR})


class Sex(StrEnum):
    """FHIR AdministrativeGender."""

    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


class Comparator(StrEnum):
    """How a measured value is compared with a goal's target (FHIR Quantity.comparator)."""

    AT_LEAST = ">="
    AT_MOST = "<="
    MORE_THAN = ">"
    LESS_THAN = "<"

    def satisfied(self, *, value: float, target: float) -> bool:
        return {
            Comparator.AT_LEAST: value >= target,
            Comparator.AT_MOST: value <= target,
            Comparator.MORE_THAN: value > target,
            Comparator.LESS_THAN: value < target,
        }[self]


@dataclass(frozen=True, kw_only=True)
class Metric:
    """A catalogue metric. ``minimum``..``maximum`` are *input bounds*: the widest value anyone
    may record or set as a target for it (a typing error or a wrong unit is refused). They are
    not physiological ranges: an automatic measurement must also lie in the metric's plausible
    range (:data:`analysis.plausibility.RANGES`, with sources), which always lies inside these
    bounds (tested), or it is withheld before it reaches the record."""

    code: str
    label: str
    unit: str
    minimum: float
    maximum: float
    higher_is_better: bool


METRICS: dict[str, Metric] = {
    m.code: m
    for m in (
        Metric(
            code="step_length_symmetry",
            label="Step-length symmetry",
            unit="%",
            minimum=0,
            maximum=100,
            higher_is_better=True,
        ),
        Metric(
            code="step_time_symmetry",
            label="Step-time symmetry",
            unit="%",
            minimum=0,
            maximum=100,
            higher_is_better=True,
        ),
        Metric(
            code="cadence", label="Cadence", unit="steps/min", minimum=0, maximum=300, higher_is_better=True
        ),
        Metric(
            code="gait_speed", label="Gait speed", unit="m/s", minimum=0, maximum=5, higher_is_better=True
        ),
        Metric(
            code="step_length", label="Step length", unit="m", minimum=0, maximum=2, higher_is_better=True
        ),
        Metric(
            code="knee_flexion_rom",
            label="Knee flexion range of motion",
            unit="deg",
            minimum=0,
            maximum=180,
            higher_is_better=True,
        ),
        Metric(
            code="hip_flexion_rom",
            label="Hip flexion range of motion",
            unit="deg",
            minimum=0,
            maximum=180,
            higher_is_better=True,
        ),
        Metric(
            code="shoulder_flexion_rom",
            label="Shoulder flexion range of motion",
            unit="deg",
            minimum=0,
            # The whole flexion-extension arc (180 + 60 deg, AAOS) is the widest range recorded.
            maximum=240,
            higher_is_better=True,
        ),
        Metric(
            code="knee_valgus_peak",
            label="Peak knee valgus (frontal-plane projection angle)",
            unit="deg",
            minimum=-90,
            maximum=90,
            higher_is_better=False,
        ),
        Metric(
            code="single_leg_stance_time",
            label="Single-leg stance time",
            unit="s",
            minimum=0,
            maximum=600,
            higher_is_better=True,
        ),
        Metric(
            code="chair_stand_count",
            label="30-second chair stand",
            unit="count",
            minimum=0,
            maximum=60,
            higher_is_better=True,
        ),
        Metric(
            code="timed_up_and_go",
            label="Timed Up and Go",
            unit="s",
            minimum=0,
            maximum=300,
            higher_is_better=False,
        ),
        Metric(
            code="five_times_sit_to_stand",
            label="Five-times sit-to-stand",
            unit="s",
            minimum=0,
            maximum=300,
            higher_is_better=False,
        ),
        Metric(
            code="jump_height",
            label="Jump height (flight time)",
            unit="m",
            minimum=0,
            maximum=2,
            higher_is_better=True,
        ),
        Metric(
            code="ten_metre_walk_speed",
            label="10-metre walk speed",
            unit="m/s",
            minimum=0,
            maximum=5,
            higher_is_better=True,
        ),
        Metric(
            code="squat_depth",
            label="Squat depth (knee flexion)",
            unit="deg",
            minimum=0,
            maximum=180,
            higher_is_better=True,
        ),
        Metric(
            code="reba_score", label="REBA score", unit="score", minimum=1, maximum=15, higher_is_better=False
        ),
        Metric(
            code="pain_nprs",
            label="Pain (NPRS 0-10)",
            unit="score",
            minimum=0,
            maximum=10,
            higher_is_better=False,
        ),
        Metric(
            code="lefs_score",
            label="Lower Extremity Functional Scale (LEFS 0-80)",
            unit="score",
            minimum=0,
            maximum=80,
            higher_is_better=True,
        ),
        Metric(
            code="odi_score",
            label="Oswestry Disability Index (ODI)",
            unit="%",
            minimum=0,
            maximum=100,
            higher_is_better=False,
        ),
        Metric(
            code="quickdash_score",
            label="QuickDASH (0-100)",
            unit="score",
            minimum=0,
            maximum=100,
            higher_is_better=False,
        ),
    )
}


class Change(StrEnum):
    """How a change in a metric's value reads for the patient, by the metric's direction."""

    BETTER = "better"
    WORSE = "worse"
    SAME = "same"
    UNKNOWN = "unknown"  # a value with no catalogue metric, so no known direction


def change_direction(code: str, *, change: float) -> Change:
    """Whether ``change`` (new value minus old) of metric ``code`` is better or worse for the
    patient: up is better for cadence or range of motion, down for Timed Up and Go, REBA or pain
    (:attr:`Metric.higher_is_better`, the one place the direction is stated)."""
    if change == 0:
        return Change.SAME
    known = METRICS.get(code)
    if known is None:
        return Change.UNKNOWN
    return Change.BETTER if (change > 0) == known.higher_is_better else Change.WORSE


class Method(StrEnum):
    """How a final value was measured. A clinician enters goniometer, inclinometer, stopwatch,
    patient-reported (a rating the patient gives) or clinician (observed, or older entries);
    ``questionnaire`` values come only from scoring a questionnaire and ``video`` values from an
    analysis the clinician reviewed."""

    GONIOMETER = "goniometer"
    INCLINOMETER = "inclinometer"
    STOPWATCH = "stopwatch"
    PATIENT_REPORTED = "patient-reported"
    CLINICIAN = "clinician"
    QUESTIONNAIRE = "questionnaire"
    VIDEO = "video"


# Methods a clinician may record a value with, and what each one measures: a goniometer or an
# inclinometer gives degrees; a stopwatch seconds, or a count or a speed over a timed test; the
# patient reports a pain rating. Questionnaire scores come from the questionnaire page.
# (A one-item rating such as the NPRS may also be entered as the patient reports it.)
QUESTIONNAIRE_ONLY_METRICS = frozenset(i.metric for i in INSTRUMENTS.values() if len(i.items) > 1)
MANUAL_METHODS: dict[str, Callable[[Metric], bool]] = {
    Method.GONIOMETER: lambda m: m.unit == "deg",
    Method.INCLINOMETER: lambda m: m.unit == "deg",
    Method.STOPWATCH: lambda m: m.unit in {"s", "count", "m/s"},
    Method.PATIENT_REPORTED: lambda m: m.code == "pain_nprs",
    Method.CLINICIAN: lambda m: m.code not in QUESTIONNAIRE_ONLY_METRICS,
    # Analysis values recorded straight from a video before values were reviewed (and the demo's
    # history, loaded the same way).
    Method.VIDEO: lambda m: m.code not in QUESTIONNAIRE_ONLY_METRICS,
}


# What a clinician may choose in the pages and the API ("video" values come from reviewing an
# analysis, never typed in).
ENTERED_METHODS = (
    Method.GONIOMETER,
    Method.INCLINOMETER,
    Method.STOPWATCH,
    Method.PATIENT_REPORTED,
    Method.CLINICIAN,
)


def check_manual_method(m: Metric, *, method: str) -> str:
    """The method of a clinician-entered value: a known one that measures metric ``m``."""
    measures = MANUAL_METHODS.get(method)
    if measures is None:
        raise InvalidValue(
            f"method must be one of {', '.join(MANUAL_METHODS)}",
            code="invalid_method",
            field="method",
            allowed=list(MANUAL_METHODS),
        )
    if not measures(m):
        how = "reported by the patient" if method == Method.PATIENT_REPORTED else f"measured by {method}"
        if m.code in QUESTIONNAIRE_ONLY_METRICS:
            how += " (score the questionnaire instead)"
        raise InvalidValue(f"{m.label} is not {how}", code="method_mismatch", field="method")
    return method


def metric_label(code: str) -> str:
    """The catalogue label of ``code``, or the code made readable ("squat_complete_reps" ->
    "Squat complete reps") for a value an analysis reports that has no catalogue metric."""
    known = METRICS.get(code)
    return known.label if known else code.replace("_", " ").capitalize()


def metric(code: str) -> Metric:
    try:
        return METRICS[code]
    except KeyError:
        raise InvalidValue(f"unknown metric {code!r}", code="unknown_metric", known=sorted(METRICS)) from None


def check_value_in_unit(m: Metric, *, value: float, unit: str, field: str) -> float:
    """A measured or target value must be a finite number, in the metric's unit and range."""
    if unit != m.unit:
        raise InvalidValue(
            f"{m.label} is measured in {m.unit}, not {unit}", code="wrong_unit", field=field, expected=m.unit
        )
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidValue(f"{field} must be a number in {m.unit}", code="not_a_number", field=field)
    if not m.minimum <= value <= m.maximum:
        raise InvalidValue(
            f"{field} {value:g} {m.unit} is outside {m.minimum:g}-{m.maximum:g} {m.unit} for {m.label}",
            code="out_of_range",
            field=field,
        )
    return float(value)


_ICD10 = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$")


def check_icd10(code: str) -> str:
    normalised = code.strip().upper()
    if not _ICD10.match(normalised):
        raise InvalidValue(f"{code!r} is not an ICD-10 code (for example M17.11)", code="invalid_icd10")
    return normalised
