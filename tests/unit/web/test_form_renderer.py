"""The form renderer's Python widgets print exactly what Django's widget templates print."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from clinic.web import forms as clinic_forms
from clinic.web.form_renderer import WRITTEN, FormRenderer

TRICKY = "<b>\"R<L\" & '5' > 3</b>"
ATTRS: dict[str, Any] = {
    "class": TRICKY,
    "required": True,
    "disabled": False,
    "maxlength": 200,
    "data-none": None,
    "data-safe": mark_safe("<i>kept</i>"),
    "data-pair": (1, 2),
}
CHOICES = [("", "none"), ("a", TRICKY), (3, 4.5), ("Group <1>", [("g1", "one"), ("g2", "two")]), (None, None)]


class OwnOptions(forms.Select):
    option_template_name = "django/forms/widgets/radio_option.html"  # any other template: Django renders


WIDGETS: list[tuple[forms.Widget, Any]] = [
    (forms.TextInput(), None),
    (forms.TextInput(attrs=ATTRS), TRICKY),
    (forms.NumberInput(attrs={"step": "any", "min": 0}), 2.5),
    (forms.EmailInput(), "a@b.org"),
    (forms.URLInput(), "http://x/?a=1&b=2"),
    (forms.PasswordInput(render_value=True), "s3cret<"),
    (forms.HiddenInput(), 12),
    (forms.HiddenInput(), mark_safe("<safe>")),
    (clinic_forms.DateInput(attrs={"min": "2024-01-01"}), date(2024, 3, 5)),
    (forms.DateInput(), "not a date <"),
    (forms.CheckboxInput(), True),
    (forms.CheckboxInput(attrs=ATTRS), False),
    (forms.Textarea(attrs={"rows": 2}), None),
    (forms.Textarea(), f"line one\n{TRICKY}\n"),
    (forms.Textarea(), 0),
    (forms.Select(choices=CHOICES), None),
    (forms.Select(choices=CHOICES, attrs=ATTRS), "a"),
    (forms.Select(choices=CHOICES), 3),
    (forms.SelectMultiple(choices=CHOICES), ["a", "g2"]),
    (forms.NullBooleanSelect(), True),
    (OwnOptions(choices=CHOICES), "a"),
    (forms.RadioSelect(choices=CHOICES), "a"),  # not written here: Django's templates
    (forms.CheckboxSelectMultiple(choices=CHOICES), ["a"]),
]


@pytest.mark.parametrize(
    ("widget", "value"), WIDGETS, ids=lambda p: type(p).__name__ if isinstance(p, forms.Widget) else ""
)
def test_widgets_render_as_django_renders_them(widget: forms.Widget, value: Any) -> None:
    ours = widget.render("field <name>", value, attrs={"id": "id_field"}, renderer=FormRenderer())
    django = widget.render("field <name>", value, attrs={"id": "id_field"}, renderer=DjangoTemplates())
    assert ours == django


def test_the_project_forms_render_as_with_django_templates() -> None:
    for form_class in (
        clinic_forms.GoalForm,
        clinic_forms.VisitNoteForm,
        clinic_forms.PlanOfCareForm,
        clinic_forms.PatientForm,
    ):
        for data in (None, {"expected_version": "x<", "target": "<1>", "metric": "gait_speed", "sign": "on"}):
            ours = form_class(data, renderer=FormRenderer())
            django = form_class(data, renderer=DjangoTemplates())
            assert [str(f) for f in ours] == [str(f) for f in django]
            assert str(ours) == str(django)


def test_the_written_templates_are_the_ones_django_renders_for_these_widgets() -> None:
    used = {
        w.template_name
        for w, _ in WIDGETS
        if not isinstance(w, forms.RadioSelect | forms.CheckboxSelectMultiple)
    }
    assert used <= set(WRITTEN)
