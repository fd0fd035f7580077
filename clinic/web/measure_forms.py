"""Forms of the measurement and questionnaire pages: input shape only; the domain decides."""

from __future__ import annotations

from typing import Any

from django import forms

from clinic.domain import questionnaires as q
from clinic.domain.vocabulary import (
    ENTERED_METHODS,
    MANUAL_METHODS,
    METRICS,
    QUESTIONNAIRE_ONLY_METRICS,
    Method,
)

SIDE_CHOICES = [("", "not applicable"), ("left", "Left"), ("right", "Right"), ("bilateral", "Bilateral")]
METHOD_LABELS = {
    Method.GONIOMETER: "Goniometer",
    Method.INCLINOMETER: "Inclinometer",
    Method.STOPWATCH: "Stopwatch",
    Method.PATIENT_REPORTED: "Patient-reported",
    Method.CLINICIAN: "Clinician observation",
}


def _metric_choices() -> list[tuple[str, str]]:
    """The measures a clinician enters: those an instrument measures (goniometer, stopwatch, the
    patient's rating) first, then those only observed; questionnaire scores have their own page."""
    by_instrument = [MANUAL_METHODS[m] for m in ENTERED_METHODS if m != Method.CLINICIAN]
    metrics = [m for m in METRICS.values() if m.code not in QUESTIONNAIRE_ONLY_METRICS]
    metrics.sort(key=lambda m: not any(measures(m) for measures in by_instrument))
    return [(m.code, f"{m.label} ({m.unit})") for m in metrics]


class MeasurementForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    metric = forms.ChoiceField(choices=lambda: _metric_choices(), label="Measure")
    value = forms.FloatField(
        widget=forms.NumberInput(attrs={"step": "any"}),
        help_text="In the measure's unit; the 10-metre walk as a speed: 10 m divided by the timed seconds.",
    )
    side = forms.ChoiceField(choices=SIDE_CHOICES, required=False)
    method = forms.ChoiceField(choices=[(str(code), METHOD_LABELS[code]) for code in ENTERED_METHODS])


class QuestionnaireForm(forms.Form):
    """One choice per item (blank: not answered); the scoring rule decides how many may be blank."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    side = forms.ChoiceField(choices=SIDE_CHOICES, required=False)

    def __init__(self, instrument: q.Instrument, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        choices = [("", "not answered")] + [
            (str(n), str(n)) for n in range(instrument.item_min, instrument.item_max + 1)
        ]
        for number, label in enumerate(instrument.items, start=1):
            self.fields[f"item_{number}"] = forms.TypedChoiceField(
                choices=choices, coerce=int, empty_value=None, required=False, label=f"{number}. {label}"
            )

    def responses(self) -> list[int | None]:
        return [self.cleaned_data[f"item_{n}"] for n in range(1, len(self.instrument.items) + 1)]
