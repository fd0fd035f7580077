"""The patient page's visit list and timeline, written in Python, print what the template printed.

The reference is the template text the page used before (kept here verbatim); both are rendered
with the same context and compared with whitespace between tags collapsed.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from django.template import Context, Template

from clinic.domain.visits import ATTESTATION

TEMPLATE_VISITS = """{% load clinic_extras %}{% url 'patient-capture' patient.patient_id as capture_url %}
    {% for v in visits %}
      <div class="visit" data-visit="{{ v.visit_id }}" style="border-bottom:1px solid var(--line); padding:10px 0">
        <strong>{{ v.visit_type|pretty }}</strong> · {{ v.visit_date|iso }} · {{ staff_names|get:v.therapist_id }}
        {% if is_clinician and not v.signed_at %}· <a class="capture-link" href="{{ capture_url }}?visit={{ v.visit_id }}">Live capture</a>{% endif %}
        · <a class="analysis-link" href="{% url 'visit' patient.patient_id v.visit_id %}">Video analysis</a>
        {% if is_clinician and v.signed_at %}· <a class="amend-link" href="{% url 'visit' patient.patient_id v.visit_id %}#amend">Amend</a>{% endif %}
        {% if v.signed_at %}<span class="pill ok">Signed by {{ v.signer_name }}, {{ v.signer_credentials }} · {{ v.signed_at|date:"Y-m-d H:i" }}</span>
          {% if v.attestation %}<div class="attestation muted">Attested: {{ v.attestation }}</div>{% endif %}
        {% else %}<span class="pill warning">Unsigned</span>{% endif %}
        {% if v.note %}
          <dl class="soap">
            {% if v.note.subjective %}<dt>Subjective</dt><dd class="note">{{ v.note.subjective }}</dd>{% endif %}
            {% if v.note.objective %}<dt>Objective</dt><dd class="note">{{ v.note.objective }}</dd>{% endif %}
            {% if v.note.assessment %}<dt>Assessment</dt><dd class="note">{{ v.note.assessment }}</dd>{% endif %}
            {% if v.note.plan %}<dt>Plan</dt><dd class="note">{{ v.note.plan }}</dd>{% endif %}
          </dl>
        {% endif %}
        {% if v.measurements %}<div class="muted">{% for m in v.measurements %}{{ m.metric|pretty }}: {{ m.value }} {{ m.unit }}{% if m.side %} ({{ m.side }}){% endif %}{% if not forloop.last %} · {% endif %}{% endfor %}</div>{% endif %}
        {% for a in v.amendments %}
          <div class="amend"><strong>Amendment</strong> {{ a.amended_at|slice:":16" }}{% if a.signer_name %} · signed by {{ a.signer_name }}, {{ a.credentials }}{% endif %}{% if a.measurement_ids %} · records {{ a.measurement_ids|length }} reviewed value{{ a.measurement_ids|length|pluralize }}{% endif %}: {{ a.reason }}
            <dl class="soap">{% for k, text in a.note.items %}{% if text %}<dt>{{ k|capfirst }}</dt><dd class="note">{{ text }}</dd>{% endif %}{% endfor %}</dl></div>
        {% endfor %}
        {% if not v.signed_at and v.note and v.therapist_id == user.pk and is_clinician %}
          <form method="post" class="sign-form" action="{% url 'note-sign' patient.patient_id v.visit_id %}">{% csrf_token %}
            <input type="hidden" name="expected_version" value="{{ version }}">
            <label class="attest"><input type="checkbox" name="attest" required> {{ attestation }}</label>
            <span class="signing muted">Signing as {{ signer }} · {% now "Y-m-d H:i" %}</span>
            <button type="submit" class="secondary">Sign note</button></form>
        {% endif %}
      </div>
    {% empty %}<p class="muted">No visits yet.</p>{% endfor %}"""
TAG_VISITS = """{% load clinic_chart %}{% if visits %}{% visit_list %}{% else %}<p class="muted">No visits yet.</p>{% endif %}"""
TEMPLATE_TIMELINE = """{% load clinic_extras %}{% for t in timeline %}<li><span class="muted">{{ t.occurred_on|iso }}</span> {{ t.summary }} <span class="muted">· {{ t.actor }}</span></li>{% endfor %}"""
TAG_TIMELINE = "{% load clinic_chart %}{% timeline_items timeline %}"

TRICKY = '<b>"R<L" & 5 > 3</b>'
ME, COLLEAGUE = 7, 8


def _visit(**fields: Any) -> SimpleNamespace:
    base: dict[str, Any] = {
        "visit_id": uuid.uuid4(),
        "visit_type": "re_evaluation",
        "visit_date": date(2024, 3, 5),
        "therapist_id": ME,
        "signed_at": None,
        "signer_name": "",
        "signer_credentials": "",
        "note": None,
        "measurements": [],
        "amendments": [],
        "attestation": "",
    }
    return SimpleNamespace(**{**base, **fields})


VISITS = [
    _visit(),  # no note: no sign button
    _visit(note={"subjective": TRICKY, "objective": "", "plan": "Walk\ndaily"}),  # mine, unsigned
    _visit(therapist_id=COLLEAGUE, note={"assessment": "ok"}),  # a colleague's, unsigned
    _visit(therapist_id=99, note={"subjective": "x"}),  # a therapist without a name
    _visit(
        visit_type="treatment",
        signed_at=datetime(2024, 3, 5, 23, 30, tzinfo=UTC),
        signer_name=TRICKY,
        signer_credentials="PT, DPT",
        attestation=ATTESTATION,
        note={"subjective": "s", "objective": "o", "assessment": "a", "plan": "p"},
        measurements=[
            {"metric": "gait_speed", "value": 1.25, "unit": "m/s"},
            {"metric": "knee_flexion_rom", "value": 95, "unit": "deg", "side": "left"},
            {"metric": "tug", "value": None, "unit": TRICKY, "side": ""},
            {"metric": "cadence", "unit": "steps/min"},
        ],
        amendments=[
            {
                "amended_at": "2024-03-06T10:11:12.123+00:00",
                "reason": TRICKY,
                "note": {"plan": "<i>more</i>", "objective": ""},
                "signer_name": TRICKY,
                "credentials": "PT",
                "measurement_ids": ["m1", "m2"],
            },
            {"reason": "no time, no note"},
        ],
    ),
]


def _context(visits: list[SimpleNamespace], **extra: Any) -> dict[str, Any]:
    return {
        "patient": SimpleNamespace(patient_id=uuid.UUID("d7bc6e8e-d3f7-4682-81ca-60f63b219797")),
        "visits": visits,
        "staff_names": {ME: "Tess <Tester>", COLLEAGUE: "Theo & Co"},
        "user": SimpleNamespace(pk=ME),
        "version": 1234,
        "csrf_token": "a-csrf-token",
        "is_clinician": True,
        "signer": "Tess <Tester>, PT",
        "attestation": ATTESTATION,
        **extra,
    }


def _collapsed(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


def _both(old: str, new: str, context: dict[str, Any]) -> tuple[str, str]:
    return tuple(_collapsed(Template(t).render(Context(context))) for t in (old, new))  # type: ignore[return-value]


def test_the_visit_list_prints_what_the_template_printed() -> None:
    old, new = _both(TEMPLATE_VISITS, TAG_VISITS, _context(VISITS))
    assert new == old
    assert new.count("Sign note") == 1 and "Amendment" in new and "&lt;b&gt;" in new and "<b>" not in new
    assert new.count("Live capture") == 4 and new.count(">Amend<") == 1 and "Attested: I attest" in new


def test_an_administrator_gets_no_clinical_links_or_forms() -> None:
    old, new = _both(TEMPLATE_VISITS, TAG_VISITS, _context(VISITS, is_clinician=False))
    assert new == old
    assert "Sign note" not in new and "Live capture" not in new and ">Amend<" not in new


def test_no_visits() -> None:
    old, new = _both(TEMPLATE_VISITS, TAG_VISITS, _context([]))
    assert new == old == '<p class="muted">No visits yet.</p>'


def test_the_timeline_prints_what_the_template_printed() -> None:
    entries = [
        {"occurred_on": date(2024, 3, 5), "summary": TRICKY, "actor": "tess"},
        {"occurred_on": date(2023, 12, 31), "summary": "Visit recorded", "actor": ""},
    ]
    old, new = _both(TEMPLATE_TIMELINE, TAG_TIMELINE, {"timeline": entries})
    assert new == old
    assert new.count("<li>") == 2
