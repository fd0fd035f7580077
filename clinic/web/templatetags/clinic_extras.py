from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template

from clinic.domain.progress import format_percent

register = template.Library()


@register.filter
def get(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, "")


@register.filter
def pretty(code: str) -> str:
    """``progress_report`` -> ``Progress report``."""
    return str(code).replace("_", " ").capitalize()


@register.filter
def clamp_percent(value: float | None) -> float:
    if value is None:
        return 0.0
    return max(0.0, min(100.0, float(value)))


@register.filter
def percent(value: float | None) -> str:
    """A goal's progress as every page and document prints it (clinic.domain.progress)."""
    return format_percent(value)


@register.filter
def iso(value: date | None) -> str:
    """A date as ``YYYY-MM-DD``, as ``|date:"Y-m-d"`` prints it, for dates only (a datetime needs
    the time zone ``|date`` applies). A third of the cost of ``|date``, which looks up the
    locale's formats for every value: it matters on pages that print hundreds of dates."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        raise TypeError("|iso prints dates; a datetime needs |date, which converts to the time zone")
    return value.isoformat()
