"""Bounds on what a user may write: free-text lengths, list sizes and plausible dates.

Why: every field ends up in the caseload, the PDF reports and the exports. Unbounded input
let one 2 MB note occupy the practice export for a quarter of an hour and 20,000 diagnoses
make an 820 KB caseload row (issue 11). The limits are generous for clinical writing and are
declared once here: the domain's ``decide`` functions enforce them (so every write path is
covered), and the API serializers and page forms declare the same numbers so that the OpenAPI
schema and the pages show them.

Conventions: lengths are in characters (Unicode code points) of the text after surrounding
whitespace is stripped; lines count ``\\n``-separated lines. Dates are the clinic's local
calendar dates; ``today`` comes with each command.
"""

from __future__ import annotations

from datetime import date, timedelta

from clinic.domain.errors import InvalidValue

# --- free text (characters) -------------------------------------------------------------
PRACTICE_NAME_CHARS = 200
PERSON_NAME_CHARS = 100  # a patient's given or family name
STAFF_NAME_CHARS = 200  # a staff member's display name ("first last")
CREDENTIALS_CHARS = 100  # "PT, DPT, OCS"
PHYSICIAN_CHARS = 200
PAYER_CHARS = 200
PAYER_MEMBER_ID_CHARS = 100
# The longest ICD-10-CM long descriptions are about 230 characters.
DIAGNOSIS_DESCRIPTION_CHARS = 250
# A CMS-1500 claim carries at most 12 ICD-10 diagnosis codes (box 21, A-L).
DIAGNOSES_PER_PATIENT = 12
# One SOAP section: about 1,500 words, several pages of the report. The line bound keeps
# the report's page count (and so its render time) bounded however the text is laid out.
SOAP_SECTION_CHARS = 10_000
SOAP_SECTION_LINES = 200
AMENDMENT_REASON_CHARS = 1_000
# Amendments correct a signed note; a note needing more is rewritten in a new visit. Each
# amendment carries a whole note, so this bounds a report to 11 notes per visit.
AMENDMENTS_PER_VISIT = 10
GOAL_DESCRIPTION_CHARS = 500
REASON_CHARS = 1_000  # a goal status change or discharge reason
DISCHARGE_TEXT_CHARS = 4_000  # the discharge summary's recommendations, or its home programme
INTERVENTIONS_CHARS = 2_000  # the plan of care's interventions
# Contact details are sealed before the domain sees them; the registration service checks these.
PHONE_CHARS = 40
EMAIL_CHARS = 254  # RFC 5321 path limit
ADDRESS_CHARS = 300

# --- dates -------------------------------------------------------------------------------
EARLIEST_DATE = date(1900, 1, 1)  # no date of birth or clinical date before this
MAX_AGE_YEARS = 130
# A visit, discharge or certification start at most a year back: Medicare's timely filing
# limit is 12 months after the date of service (42 CFR 424.44), so older entries are errors.
MAX_BACKDATE_DAYS = 365
# A plan of care may be certified ahead for at most one certification period (90 days).
MAX_CERTIFICATION_LEAD_DAYS = 90
# Without a plan of care in force a goal is due at most a year ahead: long-term goals of an
# episode of care are weeks to months. Under a plan, the goal is due by the plan's certified end
# (clinic.domain.goals.due_date_horizon).
MAX_GOAL_HORIZON_DAYS = 365


def check_text(value: str, *, field: str, label: str, max_chars: int, max_lines: int | None = None) -> str:
    """``value`` without surrounding whitespace, or InvalidValue (code ``too_long``) naming the limit."""
    text = value.strip()
    if len(text) > max_chars:
        raise InvalidValue(
            f"{label} is {len(text):,} characters long; at most {max_chars:,} are allowed",
            code="too_long",
            field=field,
            max_chars=max_chars,
        )
    if max_lines is not None:
        lines = text.replace("\r\n", "\n").count("\n") + 1
        if lines > max_lines:
            raise InvalidValue(
                f"{label} has {lines:,} lines; at most {max_lines:,} are allowed",
                code="too_many_lines",
                field=field,
                max_lines=max_lines,
            )
    return text


def check_date(value: date, *, field: str, label: str, earliest: date, latest: date, rule: str = "") -> date:
    """``value`` if ``earliest <= value <= latest``, else InvalidValue (code ``invalid_date``).

    ``rule`` says why the bound exists, in a few words the message ends with.
    """
    if earliest <= value <= latest:
        return value
    side, bound = ("before", earliest) if value < earliest else ("after", latest)
    raise InvalidValue(
        f"{label} {value.isoformat()} is {side} {bound.isoformat()}" + (f" ({rule})" if rule else ""),
        code="invalid_date",
        field=field,
        earliest=earliest.isoformat(),
        latest=latest.isoformat(),
    )


def backdate_floor(today: date) -> date:
    """The earliest visit, discharge or certification start date accepted on ``today``."""
    return max(EARLIEST_DATE, today - timedelta(days=MAX_BACKDATE_DAYS))
