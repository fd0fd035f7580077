"""PDF reports read back as text, CSV/JSON round trips, access rules and the access log."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pypdfium2
import pytest
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from clinic.access.models import AccessLogEntry
from clinic.reports import pdf, tables
from clinic.reports.gather import patient_record
from clinic.services import goals, patients, visits
from tests.factories import make_patient, make_practice

pytestmark = pytest.mark.django_db(transaction=True)

METRICS = [
    ("gait_speed", 0.6, 1.1, ">="),
    ("cadence", 90, 110, ">="),
    ("knee_flexion_rom", 80, 120, ">="),
    ("timed_up_and_go", 18, 11, "<="),
    ("single_leg_stance_time", 5, 30, ">="),
    ("step_length_symmetry", 70, 90, ">="),
]


def build_episode(user, *, visit_count: int = 30):  # type: ignore[no-untyped-def]
    """A patient with a certified plan, 6 goals and ``visit_count`` visits with measurements and notes."""
    patient = make_patient(user, family_name="Payer-Reads")
    today = timezone.localdate()
    start = today - timedelta(days=3 * visit_count)
    version = patients.plan_of_care_establish(
        user=user,
        patient_id=patient.id,
        certification_start=start,
        certification_end=start + timedelta(days=90),
        frequency_per_week=2,
        duration_weeks=12,
        expected_version=patient.version,
    ).version
    for i in range(visit_count):
        kind = "evaluation" if i == 0 else ("progress_report" if i % 10 == 0 else "treatment")
        visit = visits.visit_record(
            user=user,
            patient_id=patient.id,
            visit_type=kind,
            visit_date=start + timedelta(days=3 * i),
            expected_version=version,
        )
        version = visits.visit_note_write(
            user=user,
            patient_id=patient.id,
            visit_id=visit.id,
            subjective=f"Visit {i} subjective",
            objective="Measured on video",
            assessment=f"Assessment at visit {i}",
            plan=f"Plan after visit {i}",
            expected_version=visit.version,
        ).version
        for metric, baseline, target, _ in METRICS:
            value = baseline + (target - baseline) * 0.8 * i / max(1, visit_count - 1)
            version = visits.measurement_record(
                user=user,
                patient_id=patient.id,
                visit_id=visit.id,
                metric=metric,
                value=round(value, 2),
                method="video",
                expected_version=version,
            ).version
        if i == 0:
            for metric, baseline, target, comparator in METRICS:
                version = goals.goal_set(
                    user=user,
                    patient_id=patient.id,
                    metric=metric,
                    baseline=baseline,
                    target=target,
                    comparator=comparator,
                    due_date=min(today + timedelta(days=30), start + timedelta(days=90)),  # within the plan
                    expected_version=version,
                ).version
        version = visits.visit_note_sign(
            user=user, patient_id=patient.id, visit_id=visit.id, attest=True, expected_version=version
        ).version
    return patient


def pdf_text(content: bytes) -> tuple[str, list[str]]:
    """The text of the whole PDF and of each page, with line breaks from wrapping folded to spaces."""
    reader = PdfReader(io.BytesIO(content))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    return " ".join(pages), pages


def test_progress_report_has_every_element_a_payer_expects(artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    """One 30-visit, 6-goal episode: the report's content, page furniture, and render time (< 1 s)."""
    practice = make_practice()
    patient = build_episode(practice.therapist)
    response = APIClient()
    response.force_authenticate(practice.therapist)
    got = response.get(f"/api/patients/{patient.id}/reports/progress/")
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    text, pages = pdf_text(got.content)
    record = patient_record(
        __import__("clinic.projections.models", fromlist=["x"]).PatientSummary.objects.get(
            patient_id=patient.id
        )
    )
    key = pdf.key_visit(record, "progress")
    for expected in [
        "Physical Therapy Progress Report",
        "Test PT",
        "Ana Payer-Reads",
        "01/02/1950",
        str(patient.id),
        "M17.11",
        "Unilateral primary osteoarthritis",
        "Dr Who",
        "Medicare Part B",
        "M123",
        "Plan of care certified",
        "Visits since start of care",
        "Visits since last progress report",
        "Goals",
        "Baseline",
        "Current",
        "Target",
        "Due",
        "Status",
        "Objective measures",
        "Goal measures over time",
        "Assessment",
        "Plan",
        f"Assessment at visit {record.visits.index(key)}",
        "Electronically signed by Tess Tester, PT, DPT",
    ]:
        assert expected in text, expected
    for label in (
        "Gait speed",
        "Cadence",
        "Knee flexion range of motion",
        "Timed Up and Go",
        "Single-leg stance time",
        "Step-length symmetry",
    ):
        assert label in text, label
    # Counts: the key visit is the 3rd progress report (visit 20); 9 treatments since visit 10 plus itself none.
    assert key.visit_type == "progress_report"
    previous, count = pdf.reporting_period(record, key)
    assert previous is not None and count == 9
    for number, page in enumerate(pages, start=1):
        assert "Patient: Ana Payer-Reads" in page and f"Page {number} of {len(pages)}" in page
    (artifacts_dir / "progress_report.pdf").write_bytes(got.content)
    # Render page 1 to look at (pypdfium2 is a wheel: no system PDF tools needed on a fresh machine).
    document = pypdfium2.PdfDocument(got.content)
    document[0].render(scale=70 / 72).to_pil().save(artifacts_dir / "progress_report_page-1.png")
    assert (artifacts_dir / "progress_report_page-1.png").stat().st_size > 10_000


def test_evaluation_and_discharge_reports_document_their_visit() -> None:
    practice = make_practice()
    patient = build_episode(practice.therapist, visit_count=4)
    client = APIClient()
    client.force_authenticate(practice.therapist)
    text, _ = pdf_text(client.get(f"/api/patients/{patient.id}/reports/evaluation/").content)
    assert "Physical Therapy Initial Evaluation" in text and "Assessment at visit 0" in text
    version = client.get(f"/api/patients/{patient.id}/").json()["version"]
    visit = visits.visit_record(
        user=practice.therapist,
        patient_id=patient.id,
        visit_type="discharge",
        visit_date=timezone.localdate(),
        expected_version=version,
    )
    visits.visit_note_write(
        user=practice.therapist,
        patient_id=patient.id,
        visit_id=visit.id,
        assessment="Goals met",
        plan="Home programme",
        expected_version=visit.version,
    )
    text, _ = pdf_text(client.get(f"/api/patients/{patient.id}/reports/discharge/").content)
    assert "Physical Therapy Discharge Summary" in text and "Goals met" in text
    assert "Signature: ______" in text  # unsigned: a line to sign on
    assert client.get(f"/api/patients/{patient.id}/reports/poem/").status_code == 400


def test_csv_and_json_exports_round_trip() -> None:
    practice = make_practice()
    patient = build_episode(practice.therapist, visit_count=3)
    client = APIClient()
    client.force_authenticate(practice.therapist)
    csv_rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/api/patients/{patient.id}/measurements.csv").content.decode())
        )
    )
    data = json.loads(client.get(f"/api/patients/{patient.id}/measurements.json").content)
    assert len(csv_rows) == len(data["measurements"]) == 3 * len(METRICS)
    assert list(csv_rows[0]) == list(tables.COLUMNS) == list(data["columns"])
    for row, item in zip(csv_rows, data["measurements"], strict=True):
        assert row["metric"] == item["metric"] and float(row["value"]) == item["value"]
        assert row["unit"] == item["unit"] and date.fromisoformat(row["date"]) == date.fromisoformat(
            item["date"]
        )
    speeds = [float(r["value"]) for r in csv_rows if r["metric"] == "gait_speed"]
    assert speeds == sorted(speeds) and speeds[0] == 0.6
    assert {g["metric"] for g in data["goals"]} == {m for m, *_ in METRICS}


def test_another_therapist_cannot_download_and_downloads_are_logged() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    outsider = APIClient()
    outsider.force_authenticate(practice.other_therapist)
    for url in (
        f"/api/patients/{patient.id}/reports/progress/",
        f"/api/patients/{patient.id}/measurements.csv",
    ):
        assert outsider.get(url).status_code == 404
    admin = APIClient()
    admin.force_authenticate(practice.admin)
    assert admin.get(f"/api/patients/{patient.id}/measurements.json").status_code == 200
    logged = AccessLogEntry.objects.filter(object_id=str(patient.id), action__startswith="export")
    assert {(e.actor, e.action, e.outcome) for e in logged} == {
        ("ther2", "export_csv", "denied"),
        ("admin", "export_json", "allowed"),
    }


def test_fhir_bundle_validates_against_the_fhir_models() -> None:
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import Bundle

    practice = make_practice()
    patient = build_episode(practice.therapist, visit_count=3)
    client = APIClient()
    client.force_authenticate(practice.therapist)
    response = client.get(f"/api/patients/{patient.id}/fhir/")
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    data = json.loads(response.content)
    Bundle.model_validate(data)
    resources = [entry["resource"] for entry in data["entry"]]
    for resource in resources:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    by_type: dict[str, list[dict]] = {}
    for resource in resources:
        by_type.setdefault(resource["resourceType"], []).append(resource)
    assert len(by_type["Patient"]) == 1 and by_type["Patient"][0]["birthDate"] == "1950-01-02"
    assert len(by_type["Encounter"]) == 3 and len(by_type["Goal"]) == 6
    assert len(by_type["Observation"]) == 3 * len(METRICS)
    assert {d["type"]["coding"][0]["code"] for d in by_type["DocumentReference"]} == {"51848-0", "11506-3"}
    speed = next(o for o in by_type["Observation"] if o["code"]["coding"][0]["code"] == "gait_speed")
    assert (
        speed["valueQuantity"]["system"] == "http://unitsofmeasure.org"
        and speed["valueQuantity"]["code"] == "m/s"
    )
    assert speed["bodySite"]["text"] and speed["method"]["coding"][0]["code"] == "video-pose-estimation"
    goal = next(
        g for g in by_type["Goal"] if g["target"][0]["measure"]["coding"][0]["code"] == "timed_up_and_go"
    )
    assert goal["target"][0]["detailQuantity"]["comparator"] == "<="
    assert goal["lifecycleStatus"] == "active"
    # Every reference inside the bundle resolves to an entry of the bundle.
    full_urls = {entry["fullUrl"] for entry in data["entry"]}
    refs = [o["subject"]["reference"] for o in by_type["Observation"]] + [
        o["encounter"]["reference"] for o in by_type["Observation"]
    ]
    assert set(refs) <= full_urls


def test_practice_export_is_admin_only_complete_and_logged() -> None:
    import zipfile

    practice = make_practice()
    build_episode(practice.therapist, visit_count=2)
    make_patient(practice.other_therapist, family_name="Second")
    therapist = APIClient()
    therapist.force_authenticate(practice.therapist)
    assert therapist.get("/api/practice/export/").status_code == 403
    admin = APIClient()
    admin.force_authenticate(practice.admin)
    response = admin.get("/api/practice/export/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    index = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode())))
    assert sorted(r["family_name"] for r in index) == ["Payer-Reads", "Second"]
    full = next(r for r in index if r["family_name"] == "Payer-Reads")
    names = set(archive.namelist())
    for file in ("evaluation.pdf", "progress.pdf", "measurements.csv", "measurements.json", "fhir.json"):
        assert f"{full['folder']}/{file}" in names
    assert archive.read(f"{full['folder']}/progress.pdf").startswith(b"%PDF")
    logged = AccessLogEntry.objects.filter(actor="admin", action__in=("export_archive", "export_practice"))
    assert logged.filter(action="export_archive").count() == 2
    assert logged.filter(action="export_practice", object_id=str(practice.practice_id)).count() == 1
