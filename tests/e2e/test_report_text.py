"""Patient text with markup and formulas, through the API into every report and export (issue 11)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import due, make_practice
from tests.unit.reports.test_csv_cells import FORMULA, assert_safe, read
from tests.unit.reports.test_pdf_text import ABBREVIATION, LINK, images_and_links, pdf_text

pytestmark = pytest.mark.django_db(transaction=True)

IMG = '<img src="/some/server/file.png" width="40" height="40"/>'


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def hostile_patient(api: APIClient) -> str:
    """A patient whose every free-text field carries markup or a formula, with a signed,
    amended evaluation, a measurement and a goal."""
    created = api.post(
        "/api/patients/",
        {
            "given_name": "Ana",
            "family_name": FORMULA,
            "date_of_birth": "1950-01-02",
            "sex": "female",
            "diagnoses": [{"code": "M17.11", "description": ABBREVIATION}],
            "referring_physician": IMG,
            "payer": LINK,
            "payer_member_id": "@M123",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pid, version = created.json()["id"], created.json()["version"]
    visit = api.post(
        f"/api/patients/{pid}/visits/",
        {
            "visit_type": "evaluation",
            "visit_date": timezone.localdate().isoformat(),
            "expected_version": version,
        },
        format="json",
    ).json()
    version = api.put(
        f"/api/patients/{pid}/visits/{visit['id']}/note/",
        {
            "subjective": ABBREVIATION,
            "objective": IMG,
            "assessment": LINK,
            "plan": FORMULA,
            "expected_version": visit["version"],
        },
        format="json",
    ).json()["version"]
    version = api.post(
        f"/api/patients/{pid}/visits/{visit['id']}/measurements/",
        {"metric": "gait_speed", "value": 0.6, "expected_version": version},
        format="json",
    ).json()["version"]
    version = api.post(
        f"/api/patients/{pid}/goals/",
        {
            "metric": "gait_speed",
            "target": 1.1,
            "comparator": ">=",
            "due_date": due().isoformat(),
            "description": FORMULA,
            "expected_version": version,
        },
        format="json",
    ).json()["version"]
    version = api.post(
        f"/api/patients/{pid}/visits/{visit['id']}/sign/",
        {"expected_version": version, "attest": True},
        format="json",
    ).json()["version"]
    amended = api.post(
        f"/api/patients/{pid}/visits/{visit['id']}/amendments/",
        {
            "reason": ABBREVIATION,
            "assessment": IMG,
            "plan": LINK,
            "expected_version": version,
            "attest": True,
        },
        format="json",
    )
    assert amended.status_code == 201, amended.content
    return str(pid)


def test_every_report_prints_markup_as_text() -> None:
    """Today: 500 (paraparser syntax error) for every report of such a patient."""
    practice = make_practice()
    api = client_for(practice.therapist)
    pid = hostile_patient(api)
    for kind in ("evaluation", "progress", "discharge"):
        response = api.get(f"/api/patients/{pid}/reports/{kind}/")
        assert response.status_code == 200, (kind, response.content[:300])
        text = pdf_text(response.content)
        for shown in (ABBREVIATION, IMG, LINK, FORMULA, f"Amendment: {timezone.localdate().isoformat()}"):
            assert shown in text, (kind, shown)
        assert images_and_links(response.content) == (0, 0)


def test_fhir_bundle_with_markup_validates() -> None:
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import Bundle

    practice = make_practice()
    api = client_for(practice.therapist)
    pid = hostile_patient(api)
    response = api.get(f"/api/patients/{pid}/fhir/")
    assert response.status_code == 200
    data = json.loads(response.content)
    Bundle.model_validate(data)
    for entry in data["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    [patient] = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert patient["name"][0]["family"] == FORMULA  # JSON carries the text as it is


def test_every_csv_neutralises_formulas_and_the_practice_export_succeeds() -> None:
    practice = make_practice()
    pid = hostile_patient(client_for(practice.therapist))
    measurements = client_for(practice.therapist).get(f"/api/patients/{pid}/measurements.csv")
    assert measurements.status_code == 200
    rows = read(measurements.content.decode())
    assert_safe(rows)
    assert float(dict(zip(rows[0], rows[1], strict=True))["value"]) == 0.6

    response = client_for(practice.admin).get("/api/practice/export/")
    assert response.status_code == 200, response.content[:300]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        index_text = archive.read("index.csv").decode()
        assert_safe(read(index_text))
        [row] = list(csv.DictReader(io.StringIO(index_text)))
        assert row["family_name"] == "'" + FORMULA
        for name in ("evaluation.pdf", "progress.pdf", "measurements.csv", "fhir.json"):
            assert f"{row['folder']}/{name}" in archive.namelist()
        assert_safe(read(archive.read(f"{row['folder']}/measurements.csv").decode()))
        assert ABBREVIATION in pdf_text(archive.read(f"{row['folder']}/progress.pdf"))
