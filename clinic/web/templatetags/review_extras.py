"""The visit page's analysis values: each with its precision, grade, view, method and review."""

from __future__ import annotations

from typing import Any

from django import template

from analysis.angles import CONVENTION
from clinic.domain.present import format_number, format_value
from clinic.domain.vocabulary import METRICS, metric_label
from clinic.web.review_views import typed_for

register = template.Library()

STATUS_TEXT = {
    "preliminary": "Preliminary",
    "final": "Accepted",
    "amended": "Edited",
    "rejected": "Rejected",
}


@register.simple_tag(takes_context=True)
def review_rows(context: dict[str, Any], analysis: Any) -> list[dict[str, Any]]:
    """One row per value of ``analysis`` (an AnalysisView): what the table and its forms show.

    ``recordable``: a catalogue metric in its unit, so accepting or editing makes it a measurement;
    ``acceptable``: also inside the metric's plausible range (else only edit or reject).
    ``typed``: what the user typed in this value's refused review, to show it again.
    """
    request = context.get("request")
    rows = []
    for index, m in enumerate(analysis.metrics):
        known = METRICS.get(m["metric"])
        value = float(m["value"])
        review = analysis.reviews.get(str(index))
        status = review["status"] if review else "preliminary"
        recordable = known is not None and known.unit == m["unit"]
        rows.append(
            {
                "index": index,
                "metric": m["metric"],
                "label": metric_label(m["metric"]),
                "side": m.get("side", ""),
                "unit": m["unit"],
                "text": format_value(value, unit=m["unit"], metric=m["metric"]),
                "number": format_number(value, unit=m["unit"]),
                "quality": m.get("quality", ""),
                "view": m.get("view", ""),
                "method": m.get("method", ""),
                "status": status,
                "status_text": STATUS_TEXT.get(status, status),
                "review": review,
                "recorded_text": format_value(review["value"], unit=m["unit"], metric=m["metric"])
                if review and review.get("value") is not None
                else "",
                "recordable": recordable,
                "acceptable": recordable and known is not None and known.minimum <= value <= known.maximum,
                "range_text": f"{known.minimum:g} to {known.maximum:g} {known.unit}" if known else "",
                "typed": typed_for(request, analysis.analysis_id, index) if status == "preliminary" else None,
            }
        )
    return rows


@register.filter
def measure(value: float | None, unit: str) -> str:
    """A measured number with the precision of its unit ("62", "97.7", "1.12"); an en dash for none."""
    return format_number(value, unit=unit)


@register.filter
def change(value: float | None, unit: str) -> str:
    """A change between sessions, signed, with the precision of its unit ("+3", "-0.05")."""
    if value is None:
        return ""
    text = format_number(value, unit=unit)
    return f"+{text}" if value > 0 and not text.startswith("+") else text


# The template filter is the vocabulary's rule under the name templates use.
register.filter("metric_label", metric_label)


@register.simple_tag
def angle_convention() -> str:
    """The one sentence stating the angle convention, once per table."""
    return CONVENTION
