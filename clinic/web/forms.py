"""Forms of the pages. They validate input shape; the domain decides the rest."""

from __future__ import annotations

from django import forms

from clinic.domain.vocabulary import METRICS, Comparator, Sex, VisitType


class DateInput(forms.DateInput):
    input_type = "date"


class PatientForm(forms.Form):
    given_name = forms.CharField(max_length=100)
    family_name = forms.CharField(max_length=100)
    date_of_birth = forms.DateField(widget=DateInput)
    sex = forms.ChoiceField(choices=[(s.value, s.value.capitalize()) for s in Sex])
    diagnosis_code = forms.CharField(max_length=10, label="ICD-10 code", help_text="for example M17.11")
    diagnosis_description = forms.CharField(max_length=200, required=False, label="Diagnosis")
    referring_physician = forms.CharField(max_length=200, required=False)
    payer = forms.CharField(max_length=200, required=False)
    payer_member_id = forms.CharField(max_length=100, required=False, label="Member id")
    phone = forms.CharField(max_length=40, required=False)
    email = forms.EmailField(required=False)
    address = forms.CharField(max_length=300, required=False)


class VersionedForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class GoalForm(VersionedForm):
    metric = forms.ChoiceField(choices=[(m.code, f"{m.label} ({m.unit})") for m in METRICS.values()])
    comparator = forms.ChoiceField(choices=[(c.value, c.value) for c in Comparator], initial=">=")
    target = forms.FloatField()
    baseline = forms.FloatField(required=False, help_text="or take it from a visit below")
    baseline_visit = forms.ChoiceField(required=False, label="Baseline from visit", choices=[("", "none")])
    due_date = forms.DateField(widget=DateInput)
    description = forms.CharField(max_length=300, required=False)


def visit_choices(visits: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    """Visits with measurements, newest first, as (visit id, label) choices."""
    return [("", "none")] + [
        (str(v.visit_id), f"{v.visit_date:%Y-%m-%d} {v.visit_type.replace('_', ' ')}")
        for v in visits
        if v.measurements
    ]


class VisitNoteForm(VersionedForm):
    visit_type = forms.ChoiceField(
        choices=[(t.value, t.value.replace("_", " ").capitalize()) for t in VisitType]
    )
    visit_date = forms.DateField(widget=DateInput)
    subjective = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    objective = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    assessment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    sign = forms.BooleanField(required=False, label="Sign and lock the note now")


class SignForm(VersionedForm):
    pass


class PlanOfCareForm(VersionedForm):
    certification_start = forms.DateField(widget=DateInput)
    certification_end = forms.DateField(widget=DateInput)
    frequency_per_week = forms.IntegerField(min_value=1, max_value=7)
    duration_weeks = forms.IntegerField(min_value=1, max_value=52)
    interventions = forms.CharField(max_length=500, required=False)
