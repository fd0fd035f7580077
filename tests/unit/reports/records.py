"""Patient records for document tests and the report bench, built without a database.

``record(text)`` puts one text in every free-text field a document shows; ``longest_record``
fills every field to its limit in :mod:`clinic.domain.limits`, in one of several layouts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from clinic.domain import limits
from clinic.reports.model import Goal, Measurement, PatientRecord, Therapist, Visit, amendment_text

PATIENT_ID = "00000000-0000-0000-0000-000000000001"
VISITS = (("evaluation", date(2026, 1, 5)), ("treatment", date(2026, 1, 12)), ("discharge", date(2026, 2, 2)))
METRICS = (("gait_speed", "Gait speed", "m/s", 0.6, 1.1), ("cadence", "Cadence", "steps/min", 90.0, 110.0))
SECTIONS = ("subjective", "objective", "assessment", "plan")


def record(
    text: str = "",
    *,
    names: str = "Ana",
    notes: str | None = None,
    amendments: tuple[str, ...] = (),
    diagnoses: int = 1,
) -> PatientRecord:
    """A discharged patient with three signed visits; ``text`` in every free-text field.

    ``names`` goes in the person names (patient, therapist), ``notes`` (default ``text``) in every
    SOAP section of every visit, ``amendments`` (already formatted) on every visit.
    """
    note_text = text if notes is None else notes
    therapist = Therapist(user_id=1, name=f"{names} {text}".strip(), credentials=f"PT {text}".strip())
    visits = tuple(
        Visit(
            visit_id=f"v{i}",
            visit_type=kind,
            visit_date=day,
            therapist_id=1,
            therapist_name=therapist.name,
            **{section: note_text or f"{section} {i}" for section in SECTIONS},
            signed_at=datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC),
            signer_name=therapist.name,
            signer_credentials=therapist.credentials,
            amendments=amendments,
        )
        for i, (kind, day) in enumerate(VISITS)
    )
    measurements = tuple(
        Measurement(
            metric=metric,
            label=label,
            value=baseline + (target - baseline) * i / 3,
            unit=unit,
            measured_on=day,
            visit_id=f"v{i}",
            method="video",
        )
        for i, (_, day) in enumerate(VISITS)
        for metric, label, unit, baseline, target in METRICS
    )
    goal_list = tuple(
        Goal(
            goal_id=f"00000000-0000-0000-0000-0000000000{n:02d}",
            metric=metric,
            label=label,
            description=f"{label} {text}".strip(),
            unit=unit,
            baseline=baseline,
            target=target,
            comparator=">=",
            due_date=date(2026, 3, 2),
            lifecycle_status="active",
            achievement_status="improving",
            latest_value=measurements[-1].value,
            latest_on=VISITS[-1][1],
            progress_percent=66.0,
            set_on=VISITS[0][1],
        )
        for n, (metric, label, unit, baseline, target) in enumerate(METRICS)
    )
    return PatientRecord(
        practice_name=f"Riverside PT {text}".strip(),
        patient_id=PATIENT_ID,
        given_name=names,
        family_name=f"Ruiz {text}".strip(),
        date_of_birth=date(1950, 1, 2),
        sex="female",
        diagnoses=tuple((f"M17.1{n % 10}", f"Osteoarthritis {text}".strip()) for n in range(diagnoses)),
        referring_physician=f"Dr Who {text}".strip(),
        payer=f"Medicare {text}".strip(),
        payer_member_id=f"M123 {text}".strip(),
        contact={"phone": "555-0100", "email": "ana@example.org", "address": f"1 Elm St {text}".strip()},
        status="discharged",
        discharged_on=VISITS[-1][1],
        certification_start=VISITS[0][1],
        certification_end=date(2026, 4, 4),
        frequency_per_week=2,
        duration_weeks=12,
        visits_since_report=2,
        therapists=(therapist,),
        goals=goal_list,
        visits=visits,
        measurements=measurements,
        generated_at=datetime(2026, 2, 3, 9, 0, tzinfo=UTC),
    )


def _fill(chars: int, *, layout: str) -> str:
    """``chars`` characters of text in ``layout``, within the SOAP section's line limit."""
    words = "gait antalgic, strength R<L 4/5 & ROM 0-120 deg; "
    prose = (words * (chars // len(words) + 1))[:chars]
    if layout == "prose":  # one long paragraph of words
        return prose
    if layout == "lines":  # as many short lines as allowed, sharing the text
        lines = limits.SOAP_SECTION_LINES
        width, extra = divmod(chars - (lines - 1), lines)
        return "\n".join([prose[:width]] * (lines - 1) + [prose[: width + extra]])
    if layout == "markup":  # characters the report must escape, with no space to break at
        return ("<&>" * chars)[:chars]
    if layout == "blank":  # the most lines the report can be given, then one long line
        return "\n" * (limits.SOAP_SECTION_LINES - 1) + prose[: chars - limits.SOAP_SECTION_LINES + 1]
    raise ValueError(f"unknown layout {layout!r}")


LAYOUTS = ("prose", "lines", "markup", "blank")


def longest_record(layout: str = "prose") -> PatientRecord:
    """Every free-text field at its limit, the most diagnoses, and the most amendments per visit."""
    section = _fill(limits.SOAP_SECTION_CHARS, layout=layout)
    amendment = amendment_text(
        amended_on="2026-02-03",
        reason=_fill(limits.AMENDMENT_REASON_CHARS, layout="prose"),
        note={name: section for name in SECTIONS},
    )
    base = record(
        notes=section,
        amendments=(amendment,) * limits.AMENDMENTS_PER_VISIT,
        diagnoses=limits.DIAGNOSES_PER_PATIENT,
    )
    person = "N" * limits.PERSON_NAME_CHARS

    def text(chars: int) -> str:
        return _fill(chars, layout="prose")

    staff = Therapist(
        user_id=1, name=text(limits.STAFF_NAME_CHARS), credentials=text(limits.CREDENTIALS_CHARS)
    )
    changes: dict[str, Any] = {
        "practice_name": text(limits.PRACTICE_NAME_CHARS),
        "given_name": person,
        "family_name": person,
        "referring_physician": text(limits.PHYSICIAN_CHARS),
        "payer": text(limits.PAYER_CHARS),
        "payer_member_id": text(limits.PAYER_MEMBER_ID_CHARS),
        "diagnoses": tuple((code, text(limits.DIAGNOSIS_DESCRIPTION_CHARS)) for code, _ in base.diagnoses),
        "therapists": (staff,),
        "visits": tuple(
            replace(
                v, therapist_name=staff.name, signer_name=staff.name, signer_credentials=staff.credentials
            )
            for v in base.visits
        ),
        "goals": tuple(replace(g, description=text(limits.GOAL_DESCRIPTION_CHARS)) for g in base.goals),
    }
    return replace(base, **changes)
