"""``|iso`` prints a date exactly as ``|date:"Y-m-d"`` did, and refuses datetimes (time zones)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template

from clinic.web.templatetags.clinic_extras import iso


@pytest.mark.parametrize("value", [date(2024, 5, 3), date(1950, 1, 2), date(999, 12, 31), None, ""])
def test_iso_prints_what_the_date_filter_printed(value: date | None) -> None:
    template = Template('{% load clinic_extras %}{{ d|iso }}|{{ d|date:"Y-m-d" }}')
    ours, django = template.render(Context({"d": value})).split("|")
    assert ours == django


def test_iso_refuses_a_datetime() -> None:
    with pytest.raises(TypeError, match=r"datetime needs \|date"):
        iso(datetime(2024, 5, 3, 23, 30, tzinfo=UTC))
