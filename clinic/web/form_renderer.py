"""Django's form renderer, with the plain widgets (inputs, text areas, selects) written in Python.

A widget rendered through its template costs about 120 µs (the input template includes the
attributes template, a select includes one template per option); the patient page renders three
forms, twenty-two widgets, which were a quarter of its cost. These functions print exactly what
Django's templates print (``tests/unit/web/test_form_renderer.py`` compares them for every widget
the project uses); any other template, or an option with a template of its own, is rendered by
Django as before. A project template overriding one of these widget templates would not be seen:
:data:`WRITTEN` lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape

_OPTION = "django/forms/widgets/select_option.html"


def _attr_value(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: %-formatted, escaped unless already safe."""
    if isinstance(value, tuple):
        value = str(value)
    try:
        text = "%s" % value  # noqa: UP031 - the stringformat filter's own formatting
    except (ValueError, TypeError):
        return ""
    return conditional_escape(text) if not hasattr(value, "__html__") else text


def _attrs(attrs: Mapping[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}")
        if value is not True:
            out.append(f'="{_attr_value(value)}"')
    return "".join(out)


def _input(widget: Mapping[str, Any]) -> str:
    """``django/forms/widgets/input.html`` (text, number, date, email, hidden, checkbox ...)."""
    value = "" if widget["value"] is None else f' value="{_attr_value(widget["value"])}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: Mapping[str, Any]) -> str:
    """``django/forms/widgets/textarea.html``."""
    value = conditional_escape(localize(widget["value"])) if widget["value"] else ""
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'
    )


def _option(option: Mapping[str, Any]) -> str:
    """``django/forms/widgets/select_option.html`` as the select includes it (with its newline)."""
    label = conditional_escape(localize(option["label"]))
    return f'<option value="{_attr_value(option["value"])}"{_attrs(option["attrs"])}>{label}</option>\n'


def _select(widget: Mapping[str, Any]) -> str:
    """``django/forms/widgets/select.html``."""
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(localize(group_name))}">')
        out.extend(f"\n  {_option(option)}" for option in group_choices)
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _own_option_templates(widget: Mapping[str, Any]) -> bool:
    return any(o["template_name"] != _OPTION for _, options, _ in widget["optgroups"] for o in options)


class FormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        write = WRITTEN.get(template_name)
        widget = context.get("widget")
        if write is None or widget is None or (write is _select and _own_option_templates(widget)):
            return str(super().render(template_name, context, request))
        return write(widget)


#: The widget templates written here, by template name.
WRITTEN: dict[str, Callable[[Mapping[str, Any]], str]] = {
    **{
        f"django/forms/widgets/{name}.html": _input
        for name in ("input", "text", "number", "email", "url", "password", "hidden", "date", "checkbox")
    },
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
}
