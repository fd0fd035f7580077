from __future__ import annotations

from typing import Any

from django import template

from clinic.web.measure_views import measurement_rows as rows_of

register = template.Library()


@register.simple_tag
def measurement_rows(visit: Any) -> list[dict[str, Any]]:
    """The visit's final values as the measurements page prints them."""
    return rows_of(visit)
