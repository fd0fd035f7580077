from __future__ import annotations

from typing import Any

from django import template

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
