"""Forms of the pages. They validate input shape; the domain decides the rest.

Lengths come from :mod:`clinic.domain.limits`, so the browser stops typing at the same limit the
domain enforces (``maxlength``), and a refused form comes back with what was typed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.domain import limits
from clinic.domain.billing import MAX_LINE_MINUTES, PROCEDURES
from clinic.domain.errors import InvalidValue
from clinic.domain.visits import ATTESTATION
from clinic.domain.vocabulary import DISCHARGE_OUTCOMES, METRICS, Comparator, GoalLifecycle, Sex, VisitType


class DateInput(forms.DateInput):
    input_type = "date"


def _dates(field: forms.Field, *, earliest_days: int | None, latest_days: int | None) -> None:
    """The date picker's ``min`` and ``max``, in days from today (the domain checks them too)."""
    today = timezone.localdate()
    if earliest_days is not None:
        field.widget.attrs["min"] = (today + timedelta(days=earliest_days)).isoformat()
    if latest_days is not None:
        field.widget.attrs["max"] = (today + timedelta(days=latest_days)).isoformat()


class PatientForm(forms.Form):
    given_name = forms.CharField(max_length=limits.PERSON_NAME_CHARS)
    family_name = forms.CharField(max_length=limits.PERSON_NAME_CHARS)
    date_of_birth = forms.DateField(widget=DateInput(attrs={"min": limits.EARLIEST_DATE.isoformat()}))
    sex = forms.ChoiceField(choices=[(s.value, s.value.capitalize()) for s in Sex])
    diagnosis_code = forms.CharField(max_length=10, label="ICD-10 code", help_text="for example M17.11")
    diagnosis_description = forms.CharField(
        max_length=limits.DIAGNOSIS_DESCRIPTION_CHARS, required=False, label="Diagnosis"
    )
    referring_physician = forms.CharField(max_length=limits.PHYSICIAN_CHARS, required=False)
    payer = forms.CharField(max_length=limits.PAYER_CHARS, required=False)
    payer_member_id = forms.CharField(
        max_length=limits.PAYER_MEMBER_ID_CHARS, required=False, label="Member id"
    )
    phone = forms.CharField(max_length=limits.PHONE_CHARS, required=False)
    email = forms.EmailField(max_length=limits.EMAIL_CHARS, required=False)
    address = forms.CharField(max_length=limits.ADDRESS_CHARS, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _dates(self.fields["date_of_birth"], earliest_days=None, latest_days=0)


class VersionedForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class GoalForm(VersionedForm):
    metric = forms.ChoiceField(choices=[(m.code, f"{m.label} ({m.unit})") for m in METRICS.values()])
    comparator = forms.ChoiceField(choices=[(c.value, c.value) for c in Comparator], initial=">=")
    target = forms.FloatField()
    baseline = forms.FloatField(required=False, help_text="or take it from a visit below")
    baseline_visit = forms.ChoiceField(required=False, label="Baseline from visit", choices=[("", "none")])
    due_date = forms.DateField(widget=DateInput)
    description = forms.CharField(max_length=limits.GOAL_DESCRIPTION_CHARS, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _dates(self.fields["due_date"], earliest_days=0, latest_days=limits.MAX_GOAL_HORIZON_DAYS)


def visit_choices(visits: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    """Visits with measurements, newest first, as (visit id, label) choices."""
    return [("", "none")] + [
        (str(v.visit_id), f"{v.visit_date:%Y-%m-%d} {v.visit_type.replace('_', ' ')}")
        for v in visits
        if v.measurements
    ]


def _section_lines(value: str) -> None:
    """The SOAP section's line limit, checked before the visit is recorded (not half-way)."""
    try:
        limits.check_text(
            value,
            field="note",
            label="the section",
            max_chars=limits.SOAP_SECTION_CHARS,
            max_lines=limits.SOAP_SECTION_LINES,
        )
    except InvalidValue as exc:
        raise ValidationError(exc.message[:1].upper() + exc.message[1:] + ".") from None


def _soap_section() -> forms.CharField:
    return forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=limits.SOAP_SECTION_CHARS,
        validators=[_section_lines],
    )


PROCEDURE_ROWS = 4  # lines on the visit form; a visit rarely bills more than four codes
PROCEDURE_CHOICES = [("", "\u2013")] + [
    (p.code, f"{p.code} {p.label}{'' if p.timed else ' (untimed)'}") for p in PROCEDURES.values()
]


class VisitNoteForm(VersionedForm):
    # The form's own id for the visit: sent twice, the visit is stored once.
    visit_id = forms.UUIDField(widget=forms.HiddenInput, required=False)
    visit_type = forms.ChoiceField(
        choices=[(t.value, t.value.replace("_", " ").capitalize()) for t in VisitType]
    )
    visit_date = forms.DateField(widget=DateInput)
    subjective = _soap_section()
    objective = _soap_section()
    assessment = _soap_section()
    plan = _soap_section()
    prognosis = _soap_section()
    sign = forms.BooleanField(required=False, label=f"Sign and lock the note now. {ATTESTATION}")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _dates(self.fields["visit_date"], earliest_days=-limits.MAX_BACKDATE_DAYS, latest_days=0)
        self.fields["prognosis"].label = "Prognosis / rehab potential"
        for row in range(1, PROCEDURE_ROWS + 1):
            self.fields[f"procedure_{row}_code"] = forms.ChoiceField(
                choices=PROCEDURE_CHOICES, required=False, label=f"Procedure {row}"
            )
            self.fields[f"procedure_{row}_minutes"] = forms.IntegerField(
                required=False, min_value=1, max_value=MAX_LINE_MINUTES, label=f"Minutes {row}"
            )

    def procedure_rows(self) -> list[tuple[Any, Any]]:
        """(code field, minutes field) per line, for the page's procedures table."""
        return [
            (self[f"procedure_{r}_code"], self[f"procedure_{r}_minutes"])
            for r in range(1, PROCEDURE_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lines = []
        for row in range(1, PROCEDURE_ROWS + 1):
            code, minutes = data.get(f"procedure_{row}_code"), data.get(f"procedure_{row}_minutes")
            if code and not minutes:
                self.add_error(f"procedure_{row}_minutes", "Enter the treatment minutes of this procedure.")
            elif minutes and not code:
                self.add_error(f"procedure_{row}_code", "Choose the procedure these minutes were spent on.")
            elif code:
                lines.append((code, minutes))
        data["procedures"] = lines
        return data


def _attest_field() -> forms.BooleanField:
    return forms.BooleanField(required=False, label=ATTESTATION)


class SignForm(VersionedForm):
    attest = _attest_field()


class AmendForm(VersionedForm):
    """A signed amendment: the reason, the corrected note, and the values it records."""

    reason = forms.CharField(max_length=limits.AMENDMENT_REASON_CHARS, label="Reason for the amendment")
    subjective = _soap_section()
    objective = _soap_section()
    assessment = _soap_section()
    plan = _soap_section()
    attest = _attest_field()


class PhysicianFields(forms.Form):
    physician_name = forms.CharField(
        max_length=limits.PHYSICIAN_CHARS, required=False, label="Certifying physician"
    )
    physician_npi = forms.CharField(max_length=20, required=False, label="Physician NPI")
    certification_received_on = forms.DateField(
        widget=DateInput, required=False, label="Signed certification received on"
    )


class PlanOfCareForm(VersionedForm, PhysicianFields):
    certification_start = forms.DateField(widget=DateInput)
    certification_end = forms.DateField(widget=DateInput)
    frequency_per_week = forms.IntegerField(min_value=1, max_value=7)
    duration_weeks = forms.IntegerField(min_value=1, max_value=52)
    interventions = forms.CharField(max_length=limits.INTERVENTIONS_CHARS, required=False)
    field_order = [
        "expected_version", "certification_start", "certification_end", "frequency_per_week",
        "duration_weeks", "interventions", "physician_name", "physician_npi", "certification_received_on",
    ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _dates(
            self.fields["certification_start"],
            earliest_days=-limits.MAX_BACKDATE_DAYS,
            latest_days=limits.MAX_CERTIFICATION_LEAD_DAYS,
        )


class CertificationForm(VersionedForm, PhysicianFields):
    """The physician's signed certification of the current plan of care, received later."""


class ReviewForm(VersionedForm):
    """One value of an analysis: accept it, edit it (value and reason) or reject it (reason)."""

    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("edit", "Edit"), ("reject", "Reject")])
    value = forms.FloatField(required=False)
    reason = forms.CharField(max_length=limits.REASON_CHARS, required=False)


class GoalReviseForm(VersionedForm):
    """A goal's new target, comparator, due date or wording (metric and baseline stay)."""

    comparator = forms.ChoiceField(choices=[(c.value, c.value) for c in Comparator])
    target = forms.FloatField()
    due_date = forms.DateField(widget=DateInput)
    description = forms.CharField(max_length=limits.GOAL_DESCRIPTION_CHARS, required=False)
    reason = forms.CharField(max_length=limits.REASON_CHARS, required=False, label="Why (optional)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _dates(self.fields["due_date"], earliest_days=0, latest_days=None)


class GoalStatusForm(VersionedForm):
    """Put a goal on hold, resume, complete or discontinue it (cancelled, entered-in-error)."""

    lifecycle_status = forms.ChoiceField(
        label="New status",
        choices=[
            (s.value, label)
            for s, label in (
                (GoalLifecycle.ON_HOLD, "On hold"),
                (GoalLifecycle.ACTIVE, "Active again"),
                (GoalLifecycle.COMPLETED, "Completed"),
                (GoalLifecycle.CANCELLED, "Cancelled (discontinued)"),
                (GoalLifecycle.ENTERED_IN_ERROR, "Entered in error (remove)"),
            )
        ],
    )
    reason = forms.CharField(
        max_length=limits.REASON_CHARS, required=False, help_text="required to cancel or remove a goal"
    )


class DischargeForm(VersionedForm):
    """The discharge summary: date, reason, a status for each open goal, recommendations and the
    home programme. The goal fields (``goal_<id>_status``, ``goal_<id>_comment``) are built for
    the patient's open goals."""

    discharged_on = forms.DateField(widget=DateInput, label="Discharge date")
    reason = forms.CharField(
        max_length=limits.REASON_CHARS, widget=forms.Textarea(attrs={"rows": 2}), label="Reason for discharge"
    )
    recommendations = forms.CharField(
        max_length=limits.DISCHARGE_TEXT_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    home_programme = forms.CharField(
        max_length=limits.DISCHARGE_TEXT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Home exercise programme",
    )

    def __init__(self, *args: Any, goals: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _dates(self.fields["discharged_on"], earliest_days=-limits.MAX_BACKDATE_DAYS, latest_days=0)
        self.goals = goals
        for g in goals:
            self.fields[f"goal_{g.goal_id}_status"] = forms.ChoiceField(
                label=g.description,
                choices=[("", "choose…")] + [(s.value, s.value) for s in DISCHARGE_OUTCOMES],
            )
            self.fields[f"goal_{g.goal_id}_comment"] = forms.CharField(
                max_length=limits.REASON_CHARS, required=False, label="Comment"
            )

    def goal_rows(self) -> list[tuple[Any, Any, Any]]:
        """(goal, its status field, its comment field), for the template."""
        return [(g, self[f"goal_{g.goal_id}_status"], self[f"goal_{g.goal_id}_comment"]) for g in self.goals]

    def outcomes(self) -> list[tuple[Any, str, str]]:
        d = self.cleaned_data
        return [
            (g.goal_id, d[f"goal_{g.goal_id}_status"], d[f"goal_{g.goal_id}_comment"]) for g in self.goals
        ]
