"""The validated accuracy of a metric, shown beside its measured value (from the latest
validation report, :func:`clinic.selectors.validated_accuracy`)."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from clinic import selectors

register = template.Library()


@register.simple_tag
def validated_accuracy(metric: str) -> SafeString | str:
    note = selectors.validated_accuracy().get(metric)
    if note is None:
        return ""
    return format_html(
        ' <a class="accuracy muted" data-metric="{}" href="{}" title="95% limits of agreement in the validation report of {}">{}</a>',
        metric,
        reverse("validation"),
        note["generated_at"],
        note["text"],
    )
