"""Code lists the records use: metrics and units, visit types, FHIR goal statuses, ICD-10.

Sources: HL7 FHIR R4 ValueSets ``goal-status`` (lifecycle) and ``goal-achievement``;
AdministrativeGender; ICD-10-CM code structure (letter, two digits, optional dot and up
to four characters).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

from clinic.domain.errors import InvalidValue


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
    )
}


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
