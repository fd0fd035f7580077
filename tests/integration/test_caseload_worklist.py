"""The caseload's search and sorts, and the unsigned-notes worklist, over the read models."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from clinic import selectors
from clinic.services import patients, visits
from tests.factories import make_patient, make_practice

pytestmark = pytest.mark.django_db(transaction=True)


def _visit(user: Any, patient_id: Any, version: int, *, days_ago: int, signed: bool) -> tuple[Any, int]:
    visit = visits.visit_record(
        user=user,
        patient_id=patient_id,
        visit_type="evaluation",
        visit_date=timezone.localdate() - timedelta(days=days_ago),
        expected_version=version,
    )
    version = visits.visit_note_write(
        user=user, patient_id=patient_id, visit_id=visit.id, subjective="s", assessment="a", plan="p",
        expected_version=visit.version,
    ).version  # fmt: skip
    if signed:
        version = visits.visit_note_sign(
            attest=True, user=user, patient_id=patient_id, visit_id=visit.id, expected_version=version
        ).version
    return visit.id, version


def _plan(user: Any, patient_id: Any, version: int, *, per_week: int) -> int:
    today = timezone.localdate()
    return patients.plan_of_care_establish(
        user=user, patient_id=patient_id, certification_start=today - timedelta(days=5),
        certification_end=today + timedelta(days=60), frequency_per_week=per_week, duration_weeks=8,
        physician_name="Dr Lena Ortiz, MD", physician_npi="1234567893", certification_received_on=today,
        expected_version=version,
    ).version  # fmt: skip


@pytest.fixture
def caseload():  # type: ignore[no-untyped-def]
    practice = make_practice()
    t = practice.therapist
    alvarez = make_patient(t, family_name="Alvarez")
    version = _plan(t, alvarez.id, alvarez.version, per_week=3)
    late_visit, version = _visit(t, alvarez.id, version, days_ago=3, signed=False)
    brooks = make_patient(t, family_name="Brooks")
    version = _plan(t, brooks.id, brooks.version, per_week=1)
    _visit(t, brooks.id, version, days_ago=2, signed=True)
    chen = make_patient(t, family_name="Chen")
    fresh_visit, _ = _visit(t, chen.id, chen.version, days_ago=0, signed=False)
    hidden = make_patient(practice.other_therapist, family_name="Hidden")
    _visit(practice.other_therapist, hidden.id, hidden.version, days_ago=4, signed=False)
    return practice, {"Alvarez": alvarez.id, "Brooks": brooks.id, "Chen": chen.id}, late_visit, fresh_visit


def names(page: selectors.CaseloadPage) -> list[str]:
    return [row.patient.family_name for row in page.rows]


def test_search_by_name_or_patient_id(caseload) -> None:  # type: ignore[no-untyped-def]
    practice, ids, _, _ = caseload
    t = practice.therapist
    assert names(selectors.caseload(user=t, search="alv")) == ["Alvarez"]
    assert names(selectors.caseload(user=t, search="ana CHEN")) == ["Chen"]
    assert names(selectors.caseload(user=t, search=str(ids["Brooks"])[:8])) == ["Brooks"]
    assert names(selectors.caseload(user=t, search="Hidden")) == []  # another therapist's patient
    page = selectors.caseload(user=t, search="Zzz")
    assert (page.count, page.rows) == (0, [])


def test_sorts(caseload) -> None:  # type: ignore[no-untyped-def]
    practice, _, _, _ = caseload
    t = practice.therapist
    assert names(selectors.caseload(user=t, sort="name")) == ["Alvarez", "Brooks", "Chen"]
    # Alvarez 3x/week, seen 3 days ago: due a day ago; Brooks 1x/week seen 2 days ago: due in 5; Chen has no plan.
    by_due = selectors.caseload(user=t, sort="next_visit")
    assert names(by_due) == ["Alvarez", "Brooks", "Chen"]
    today = timezone.localdate()
    assert [r.patient.next_visit_due for r in by_due.rows] == [
        today - timedelta(days=1),
        today + timedelta(days=5),
        None,
    ]
    assert names(selectors.caseload(user=t, sort="last_visit")) == ["Alvarez", "Brooks", "Chen"]
    # Alvarez: a note unsigned for days (due); Chen: no plan of care (warning); Brooks: nothing.
    by_alerts = selectors.caseload(user=t, sort="alerts")
    assert names(by_alerts) == ["Alvarez", "Chen", "Brooks"]
    assert [a.code for a in by_alerts.rows[0].alerts] == ["unsigned_notes"]
    assert by_alerts.count == 3
    second_page = selectors.caseload(user=t, sort="alerts", offset=1, limit=1)
    assert (names(second_page), second_page.count) == (["Chen"], 3)


def test_unsigned_notes_of_my_patients_with_age_and_flag(caseload) -> None:  # type: ignore[no-untyped-def]
    practice, ids, late_visit, fresh_visit = caseload
    notes = selectors.unsigned_notes(user=practice.therapist)
    assert [(n.visit_id, n.patient_name, n.overdue) for n in notes] == [
        (late_visit, "Alvarez, Ana", True),
        (fresh_visit, "Chen, Ana", False),
    ]
    assert notes[0].age == "2 days" and notes[0].therapist == "Tess Tester"
    assert len(selectors.unsigned_notes(user=practice.admin)) == 3  # the practice's, Hidden's included
    version = selectors.patient_get(user=practice.therapist, patient_id=ids["Alvarez"]).stream_version
    visits.visit_note_sign(
        attest=True,
        user=practice.therapist,
        patient_id=ids["Alvarez"],
        visit_id=late_visit,
        expected_version=version,
    )
    assert [n.visit_id for n in selectors.unsigned_notes(user=practice.therapist)] == [fresh_visit]
    assert selectors.caseload(user=practice.therapist, search="Alvarez").rows[0].alerts == []


def test_the_api_searches_sorts_and_lists_unsigned_notes(caseload) -> None:  # type: ignore[no-untyped-def]
    practice, _, late_visit, fresh_visit = caseload
    api = APIClient()
    api.force_authenticate(practice.therapist)
    found = api.get("/api/caseload/", {"q": "bro"}).json()
    assert (found["count"], [r["patient"]["family_name"] for r in found["results"]]) == (1, ["Brooks"])
    ranked = api.get("/api/caseload/", {"sort": "alerts"}).json()
    assert [r["patient"]["family_name"] for r in ranked["results"]] == ["Alvarez", "Chen", "Brooks"]
    assert api.get("/api/caseload/", {"sort": "shoe_size"}).status_code == 400
    notes = api.get("/api/caseload/unsigned-notes/").json()
    assert [(n["visit_id"], n["overdue"]) for n in notes] == [
        (str(late_visit), True),
        (str(fresh_visit), False),
    ]
