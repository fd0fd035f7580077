"""A visit with its note, procedures and signature is stored whole or not at all; a form sent twice
stores one visit with one message; the reports carry procedures, units and provider identifiers."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clinic.domain.errors import InvalidState
from clinic.projections.models import PatientSummary, VisitView
from clinic.reports import services as reports
from clinic.services import practices, visits
from tests.factories import make_patient
from tests.unit.reports.test_pdf_text import pdf_text

pytestmark = pytest.mark.django_db(transaction=True)

NOTE = 'Knee "gives way" on stairs & <kneels> with pain'


@pytest.fixture
def therapist() -> Any:
    practice_id = practices.practice_open(
        name="Riverside PT", address="200 River Road, Springfield, IL 62701", npi="1234567893"
    )
    user_id = practices.staff_add(
        practice_id=practice_id, username="tess", password="test-pass-123", role="therapist",
        first_name="Tess", last_name="Tester", credentials="PT, DPT", npi="1245319599",
        licence="PT 070012345 (IL)",
    )  # fmt: skip
    return get_user_model().objects.get(pk=user_id)


def _form(version: int, **fields: Any) -> dict[str, Any]:
    return {
        "expected_version": version, "visit_id": str(uuid4()), "visit_type": "evaluation",
        "visit_date": timezone.localdate().isoformat(), **fields,
    }  # fmt: skip


def _page(therapist: Any, pid: Any) -> Client:
    browser = Client()
    browser.force_login(therapist)
    return browser


def test_signing_a_note_without_assessment_stores_nothing_and_keeps_the_typing(therapist: Any) -> None:
    patient = make_patient(therapist)
    browser = _page(therapist, patient.id)
    url = reverse("visit-new", args=[patient.id])
    response = browser.post(url, _form(patient.version, subjective=NOTE, sign="on"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "A note is signed with its assessment and plan" in page
    assert "Knee &quot;gives way&quot; on stairs &amp; &lt;kneels&gt; with pain" in page  # kept, escaped
    assert not VisitView.objects.filter(patient_id=patient.id).exists()
    assert PatientSummary.objects.get(patient_id=patient.id).stream_version == patient.version


def test_the_service_stores_a_visit_whole_or_not_at_all(therapist: Any) -> None:
    patient = make_patient(therapist)
    with pytest.raises(InvalidState):
        visits.visit_document(
            user=therapist, patient_id=patient.id, visit_type="evaluation", visit_date=timezone.localdate(),
            procedures=[("97162", 40)], sign=True, attest=True, expected_version=patient.version,
        )  # fmt: skip
    assert not VisitView.objects.filter(patient_id=patient.id).exists()


def test_a_form_sent_twice_stores_one_visit_and_says_so_once(therapist: Any) -> None:
    patient = make_patient(therapist)
    browser = _page(therapist, patient.id)
    url = reverse("visit-new", args=[patient.id])
    form = _form(
        patient.version, subjective="s", assessment="a", plan="p",
        procedure_1_code="97162", procedure_1_minutes="30", procedure_2_code="97110", procedure_2_minutes="8",
    )  # fmt: skip
    assert browser.post(url, form).status_code == 302
    second = browser.post(url, form, follow=True)
    page = second.content.decode()
    assert VisitView.objects.filter(patient_id=patient.id).count() == 1
    assert page.count("Visit recorded.") == 1
    assert "Someone changed this record" not in page
    visit = VisitView.objects.get(patient_id=patient.id)
    assert visit.procedures == [{"code": "97162", "minutes": 30}, {"code": "97110", "minutes": 8}]


def test_minutes_without_a_code_are_refused_with_the_form_kept(therapist: Any) -> None:
    patient = make_patient(therapist)
    browser = _page(therapist, patient.id)
    response = browser.post(
        reverse("visit-new", args=[patient.id]),
        _form(patient.version, subjective=NOTE, procedure_1_minutes="20"),
    )
    assert response.status_code == 400
    assert "Choose the procedure these minutes were spent on" in response.content.decode()
    assert not VisitView.objects.filter(patient_id=patient.id).exists()


def test_the_evaluation_carries_procedures_units_npis_licence_address_and_prognosis(therapist: Any) -> None:
    patient = make_patient(therapist)
    visits.visit_document(
        user=therapist, patient_id=patient.id, visit_type="evaluation", visit_date=timezone.localdate(),
        subjective="s", assessment="a", plan="p", prognosis="Good rehab potential for stated goals",
        procedures=[("97162", 30), ("97110", 23), ("97140", 15)], sign=True, attest=True, expected_version=patient.version,
    )  # fmt: skip
    text = pdf_text(reports.patient_report(user=therapist, patient_id=patient.id, kind="evaluation").content)
    assert "Billing provider Riverside PT, 200 River Road, Springfield, IL 62701" in text
    assert "Practice NPI 1234567893" in text
    assert "Therapist NPI 1245319599" in text and "PT 070012345 (IL)" in text
    assert "Good rehab potential for stated goals" in text
    # 38 timed minutes: 3 units, two to 97110 (23 minutes) and one to 97140; 97162 untimed, 1 unit.
    assert "97110 Therapeutic exercise timed 23 2" in text
    assert "97140 Manual therapy timed 15 1" in text
    assert "97162 PT evaluation, moderate complexity untimed 30 1" in text
    assert "Total timed minutes 38 = 3 units" in text
    assert "DRAFT" not in text


def test_the_api_records_procedures_and_shows_their_units(therapist: Any) -> None:
    patient = make_patient(therapist)
    written = visits.visit_document(
        user=therapist, patient_id=patient.id, visit_type="evaluation", visit_date=timezone.localdate(),
        subjective="s", expected_version=patient.version,
    )  # fmt: skip
    api = Client()
    api.force_login(therapist)
    base = f"/api/patients/{patient.id}/visits/{written.id}"
    bad = api.put(
        f"{base}/procedures/",
        {"expected_version": written.version, "procedures": [{"code": "99999", "minutes": 10}]},
        content_type="application/json",
    )
    assert bad.status_code == 400
    ok = api.put(
        f"{base}/procedures/",
        {
            "expected_version": written.version,
            "procedures": [{"code": "97110", "minutes": 33}, {"code": "97140", "minutes": 7}],
        },
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    billing = api.get(f"{base}/").json()["billing"]
    assert [(line["code"], line["units"]) for line in billing["lines"]] == [("97110", 2), ("97140", 1)]
    assert (billing["timed_minutes"], billing["timed_units"]) == (40, 3)


def test_the_fhir_bundle_names_the_practice_and_therapist_by_npi(therapist: Any) -> None:
    import json

    from fhir.resources.R4B.bundle import Bundle

    patient = make_patient(therapist)
    data = json.loads(reports.patient_fhir(user=therapist, patient_id=patient.id).content)
    Bundle.model_validate(data)
    resources = {e["resource"]["resourceType"]: e["resource"] for e in data["entry"]}
    npi = "http://hl7.org/fhir/sid/us-npi"
    assert resources["Organization"]["identifier"] == [{"system": npi, "value": "1234567893"}]
    assert resources["Organization"]["address"] == [{"text": "200 River Road, Springfield, IL 62701"}]
    assert resources["Practitioner"]["identifier"] == [{"system": npi, "value": "1245319599"}]
    assert {"code": {"text": "State licence"}, "identifier": [{"value": "PT 070012345 (IL)"}]} in resources[
        "Practitioner"
    ]["qualification"]


def test_only_an_administrator_sets_the_practice_billing_details(therapist: Any) -> None:
    from clinic.projections.models import PracticeView, StaffMember

    practice_id = StaffMember.objects.get(user_id=therapist.pk).practice_id
    admin_id = practices.staff_add(
        practice_id=practice_id, username="ada", password="test-pass-123", role="admin",
        first_name="Ada", last_name="Admin",
    )  # fmt: skip
    body = {"address": "5 New Street, Springfield, IL 62702", "npi": "1245319599"}
    api = Client()
    api.force_login(therapist)
    assert api.put("/api/practice/billing/", body, content_type="application/json").status_code == 403
    api.force_login(get_user_model().objects.get(pk=admin_id))
    bad = api.put("/api/practice/billing/", {**body, "npi": "1245319590"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_npi"
    assert api.put("/api/practice/billing/", body, content_type="application/json").status_code == 204
    practice = PracticeView.objects.get(practice_id=practice_id)
    assert (practice.address, practice.npi) == (body["address"], body["npi"])
