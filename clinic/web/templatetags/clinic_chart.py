"""The patient page's two long lists, its visits and its timeline, written here rather than in
``templates/clinic/patient.html``.

A chart holds tens of visits and hundreds of timeline entries. Through the template language the
visit list cost about 130 µs a visit (a node and a variable lookup at a time), half of the page's
rendering, and Django's ``format_html`` is not much cheaper (its escaping checks every argument for
lazy strings). Here every value goes through :func:`_text`, which prints it as ``{{ value }}``
does: numbers localised, everything escaped with the same function (``html.escape``).
``tests/unit/web/test_chart_html.py`` compares the output with the template's.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django import template
from django.template.context import Context
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from clinic.domain.billing import ProcedureLine, bill
from clinic.domain.visits import ATTESTATION

register = template.Library()

SOAP = (
    ("subjective", "Subjective"),
    ("objective", "Objective"),
    ("assessment", "Assessment"),
    ("plan", "Plan"),
    ("prognosis", "Prognosis"),
)
# A visit id that no visit has, reversed once per page and replaced by each visit's id.
_SLOT = str(UUID(int=0))


@register.simple_tag
def timeline_items(entries: Iterable[Mapping[str, Any]]) -> SafeString:
    """One ``<li>`` per timeline entry (dicts of ``occurred_on``, ``summary``, ``actor``)."""
    return mark_safe(  # every value is escaped by _text
        "".join(
            f'<li><span class="muted">{_day(e["occurred_on"])}</span> {_text(e["summary"])} '
            f'<span class="muted">· {_text(e["actor"])}</span></li>'
            for e in entries
        )
    )


@register.simple_tag(takes_context=True)
def visit_list(context: Context) -> SafeString:
    """The visits of ``visits`` (newest first) with their notes, measurements and amendments, and
    a sign button on the signed-in therapist's own unsigned notes."""
    patient_id = context["patient"].patient_id
    page = {
        "capture": _text(reverse("patient-capture", args=[patient_id])),
        "visit": _text(reverse("visit", args=[patient_id, _SLOT])),
        "sign": _text(reverse("note-sign", args=[patient_id, _SLOT])),
        "csrf": CsrfTokenNode().render(context),
        "version": _text(context["version"]),
        "user_id": context["user"].pk,
        "names": context["staff_names"],
        "clinician": context.get("is_clinician", False),
        "attestation": _text(ATTESTATION),
        "signing": _text(f"{context.get('signer', '')} · {_minute(timezone.now())}"),
    }
    return mark_safe("".join(_visit(v, page) for v in context["visits"]))  # every value is escaped by _text


def _visit(v: Any, page: Mapping[str, Any]) -> str:
    visit_id = _text(v.visit_id)
    parts = [
        f'<div class="visit" data-visit="{visit_id}" style="border-bottom:1px solid var(--line); padding:10px 0">\n'
        f"<strong>{_text(_pretty(v.visit_type))}</strong> · {_day(v.visit_date)} · "
        f"{_text(page['names'].get(v.therapist_id, ''))}\n"
    ]
    visit_page = page["visit"].replace(_SLOT, visit_id)
    if page["clinician"] and not v.signed_at:
        parts.append(
            f'· <a class="capture-link" href="{page["capture"]}?visit={visit_id}">Live capture</a>\n'
        )
    parts.append(f'· <a class="analysis-link" href="{visit_page}">Video analysis</a>\n')
    if page["clinician"] and v.signed_at:
        parts.append(f'· <a class="amend-link" href="{visit_page}#amend">Amend</a>\n')
    if v.signed_at:
        parts.append(
            f'<span class="pill ok">Signed by {_text(v.signer_name)}, {_text(v.signer_credentials)} · '
            f"{_minute(v.signed_at)}</span>\n"
        )
        if getattr(v, "attestation", ""):
            parts.append(f'<div class="attestation muted">Attested: {_text(v.attestation)}</div>\n')
    else:
        parts.append('<span class="pill warning">Unsigned</span>\n')
    if v.note:
        sections = "".join(
            f'<dt>{label}</dt><dd class="note">{_text(v.note[key])}</dd>'
            for key, label in SOAP
            if v.note.get(key)
        )
        parts.append(f'<dl class="soap">{sections}</dl>\n')
    if v.measurements:
        parts.append(f'<div class="muted">{" · ".join(_measurement(m) for m in v.measurements)}</div>\n')
    if getattr(v, "procedures", None):
        parts.append(_procedures(v.procedures))
    parts.extend(_amendment(a) for a in v.amendments)
    if not v.signed_at and v.note and v.therapist_id == page["user_id"] and page["clinician"]:
        parts.append(
            f'<form method="post" class="sign-form" action="{page["sign"].replace(_SLOT, visit_id)}">{page["csrf"]}\n'
            f'<input type="hidden" name="expected_version" value="{page["version"]}">\n'
            f'<label class="attest"><input type="checkbox" name="attest" required> {page["attestation"]}</label>\n'
            f'<span class="signing muted">Signing as {page["signing"]}</span>\n'
            '<button type="submit" class="secondary">Sign note</button></form>\n'
        )
    parts.append("</div>\n")
    return "".join(parts)


def _procedures(lines: list[Mapping[str, Any]]) -> str:
    """ "97110 23 min, 2 units · 97140 15 min, 1 unit · timed 38 min = 3 units (8-minute rule)"."""
    billing = bill([ProcedureLine(code=p["code"], minutes=int(p["minutes"])) for p in lines])
    items = [
        f"{_text(b.code)} {_text(b.label)} {b.minutes} min, {b.units} unit{'' if b.units == 1 else 's'}"
        for b in billing.lines
    ]
    units = f"{billing.timed_units} unit{'' if billing.timed_units == 1 else 's'}"
    rule = f"timed {billing.timed_minutes} min = {units} (8-minute rule)"
    return f'<div class="muted procedures">{" · ".join([*items, rule])}</div>\n'


def _measurement(m: Mapping[str, Any]) -> str:
    side = f" ({_text(m['side'])})" if m.get("side") else ""
    return (
        f"{_text(_pretty(m.get('metric', '')))}: {_text(m.get('value', ''))} {_text(m.get('unit', ''))}{side}"
    )


def _amendment(a: Mapping[str, Any]) -> str:
    note = a.get("note") or {}
    sections = "".join(
        f'<dt>{_text(key[:1].upper() + key[1:])}</dt><dd class="note">{_text(text)}</dd>'
        for key, text in note.items()
        if text
    )
    signer = a.get("signer_name")
    signed = f" · signed by {_text(signer)}, {_text(a.get('credentials', ''))}" if signer else ""
    values = len(a.get("measurement_ids") or ())
    recorded = f" · records {values} reviewed value{'s' if values != 1 else ''}" if values else ""
    return (
        f'<div class="amend"><strong>Amendment</strong> {_text(str(a.get("amended_at", ""))[:16])}{signed}{recorded}: '
        f'{_text(a.get("reason", ""))}\n<dl class="soap">{sections}</dl></div>\n'
    )


def _text(value: Any) -> str:
    """``value`` as ``{{ value }}`` prints it (a missing key: pass ``""``)."""
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        value = formats.localize(value)
    return html.escape(str(value))


def _pretty(code: str) -> str:
    """As the ``pretty`` filter: ``progress_report`` -> ``Progress report``."""
    return str(code).replace("_", " ").capitalize()


def _day(value: date | None) -> str:
    """As ``|iso`` (``|date:"Y-m-d"``) prints a date."""
    return "" if value is None else f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _minute(value: datetime) -> str:
    """As ``|date:"Y-m-d H:i"`` prints a time: in the current time zone."""
    local = template_localtime(value)
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"
