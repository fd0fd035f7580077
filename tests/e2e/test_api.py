"""The API: writes, reads from projections, 409 on stale versions, 404 across caseloads, the access log."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

from clinic.access.models import AccessLogEntry
from tests.factories import due, make_evaluation, make_patient, make_practice

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def setup():  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, version = make_evaluation(practice.therapist, patient)
    return practice, patient.id, visit_id, version


def test_register_patient_and_read_it_back() -> None:
    practice = make_practice()
    api = client_for(practice.therapist)
    body = {
        "given_name": "Lena",
        "family_name": "Hart",
        "date_of_birth": "1970-04-05",
        "sex": "female",
        "diagnoses": [{"code": "m54.50", "description": "Low back pain"}],
        "referring_physician": "Dr A",
        "payer": "Aetna",
        "contact": {"phone": "555-0101", "email": "lena@example.org"},
    }
    created = api.post("/api/patients/", body, format="json")
    assert created.status_code == 201, created.json()
    pid = created.json()["id"]
    assert created.json()["version"] == 2  # registered + the registering therapist assigned
    detail = api.get(f"/api/patients/{pid}/").json()
    assert detail["diagnoses"] == [{"code": "M54.50", "description": "Low back pain"}]
    assert detail["contact"]["email"] == "lena@example.org"
    assert detail["therapists"] == ["Tess Tester"]
    caseload = api.get("/api/caseload/").json()["results"]
    assert [row["patient"]["patient_id"] for row in caseload] == [pid]
    assert {a["code"] for a in caseload[0]["alerts"]} == {"no_plan_of_care"}


def test_invalid_input_gets_code_message_details() -> None:
    practice = make_practice()
    response = client_for(practice.therapist).post("/api/patients/", {"given_name": "X"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input" and "family_name" in body["details"]
    bad_icd = client_for(practice.therapist).post(
        "/api/patients/",
        {
            "given_name": "X",
            "family_name": "Y",
            "date_of_birth": "1970-01-01",
            "sex": "male",
            "diagnoses": [{"code": "KNEE"}],
            "referring_physician": "",
            "payer": "",
        },
        format="json",
    )
    assert bad_icd.status_code == 400 and bad_icd.json()["code"] == "invalid_icd10"


def test_goal_note_sign_flow_and_amendment(setup) -> None:  # type: ignore[no-untyped-def]
    practice, pid, visit_id, version = setup
    api = client_for(practice.therapist)
    goal = api.post(
        f"/api/patients/{pid}/goals/",
        {
            "metric": "step_length_symmetry",
            "baseline": 72,
            "target": 90,
            "comparator": ">=",
            "due_date": due().isoformat(),
            "expected_version": version,
        },
        format="json",
    )
    assert goal.status_code == 201, goal.json()
    version = goal.json()["version"]
    measured = api.post(
        f"/api/patients/{pid}/visits/{visit_id}/measurements/",
        {"metric": "step_length_symmetry", "value": 81, "expected_version": version},
        format="json",
    )
    assert measured.status_code == 201
    [g] = api.get(f"/api/patients/{pid}/goals/").json()
    assert (
        g["latest_value"] == 81 and g["progress_percent"] == 50.0 and g["achievement_status"] == "improving"
    )
    signed = api.post(
        f"/api/patients/{pid}/visits/{visit_id}/sign/",
        {"expected_version": measured.json()["version"], "attest": True},
        format="json",
    )
    assert signed.status_code == 200
    version = signed.json()["version"]
    locked = api.put(
        f"/api/patients/{pid}/visits/{visit_id}/note/",
        {"plan": "changed", "expected_version": version},
        format="json",
    )
    assert locked.status_code == 409 and locked.json()["code"] == "visit_signed"
    amended = api.post(
        f"/api/patients/{pid}/visits/{visit_id}/amendments/",
        {
            "reason": "Wrong side recorded",
            "objective": "Left knee",
            "expected_version": version,
            "attest": True,
        },
        format="json",
    )
    assert amended.status_code == 201
    visit = api.get(f"/api/patients/{pid}/visits/{visit_id}/").json()
    assert visit["note"]["plan"] == "PT 2x/week"  # the signed original stays
    assert visit["amendments"][0]["reason"] == "Wrong side recorded"
    assert visit["signer_name"] == "Tess Tester" and visit["signer_credentials"] == "PT, DPT"


def test_stale_version_is_409_with_the_current_version(setup) -> None:  # type: ignore[no-untyped-def]
    practice, pid, _visit_id, version = setup
    api = client_for(practice.therapist)
    body = {
        "metric": "cadence",
        "target": 105,
        "comparator": ">=",
        "due_date": due().isoformat(),
        "expected_version": version,
    }
    assert api.post(f"/api/patients/{pid}/goals/", body, format="json").status_code == 201
    stale = api.post(f"/api/patients/{pid}/goals/", body, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert stale.json()["details"]["current_version"] == version + 1
    assert len(api.get(f"/api/patients/{pid}/goals/").json()) == 1


def patient_endpoints(pid: uuid.UUID, visit_id: uuid.UUID) -> list[tuple[str, str, dict]]:
    p = f"/api/patients/{pid}"
    v = f"{p}/visits/{visit_id}"
    body = {"expected_version": 0}
    return [
        ("get", f"{p}/", {}),
        ("get", f"{p}/goals/", {}),
        ("get", f"{p}/visits/", {}),
        ("get", f"{v}/", {}),
        ("get", f"{p}/timeline/", {}),
        (
            "post",
            f"{p}/goals/",
            {**body, "metric": "cadence", "target": 100, "comparator": ">=", "due_date": due().isoformat()},
        ),
        ("post", f"{p}/visits/", {**body, "visit_type": "treatment", "visit_date": due(0).isoformat()}),
        ("put", f"{v}/note/", {**body, "plan": "x"}),
        ("post", f"{v}/measurements/", {**body, "metric": "cadence", "value": 90}),
        ("post", f"{v}/sign/", {**body, "attest": True}),
        ("post", f"{v}/amendments/", {**body, "reason": "r", "plan": "x", "attest": True}),
        (
            "post",
            f"{p}/plan-of-care/",
            {
                **body,
                "certification_start": due(0).isoformat(),
                "certification_end": due(30).isoformat(),
                "frequency_per_week": 2,
                "duration_weeks": 4,
            },
        ),
        ("post", f"{p}/goals/{uuid.uuid4()}/status/", {**body, "lifecycle_status": "on-hold"}),
        ("post", f"{p}/discharge/", {**body, "discharged_on": due(0).isoformat(), "reason": "r"}),
        ("post", f"{p}/assignments/", {**body, "therapist_id": 1}),
        ("post", f"{p}/assignments/1/remove/", body),
    ]


def test_other_therapist_gets_404_everywhere_and_each_is_logged(setup) -> None:  # type: ignore[no-untyped-def]
    practice, pid, visit_id, version = setup
    outsider = client_for(practice.other_therapist)
    endpoints = patient_endpoints(pid, visit_id)
    before = AccessLogEntry.objects.count()
    for method, url, body in endpoints:
        response = getattr(outsider, method)(url, body, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json() == {"code": "not_found", "message": "not found", "details": {}}
    denied = AccessLogEntry.objects.filter(
        actor=practice.other_therapist.username, object_id=str(pid), outcome="denied"
    )
    assert AccessLogEntry.objects.count() - before == len(endpoints)
    assert denied.count() == len(endpoints)
    assert outsider.get("/api/caseload/").json() == {"count": 0, "results": []}
    # Nothing was written on the outsider's behalf.
    assert client_for(practice.therapist).get(f"/api/patients/{pid}/").json()["version"] == version


def test_another_practice_sees_nothing_even_as_admin(setup) -> None:  # type: ignore[no-untyped-def]
    practice, pid, visit_id, _ = setup
    other = make_practice("Elsewhere PT", prefix="x")
    admin = client_for(other.admin)
    for method, url, body in patient_endpoints(pid, visit_id)[:5]:
        assert getattr(admin, method)(url, body, format="json").status_code == 404
    assert admin.get("/api/patients/").json() == {"count": 0, "results": []}
    # The practice's own admin sees the patient.
    assert client_for(practice.admin).get(f"/api/patients/{pid}/").status_code == 200


def test_only_admins_assign_therapists(setup) -> None:  # type: ignore[no-untyped-def]
    practice, pid, _, version = setup
    body = {"therapist_id": practice.other_therapist.pk, "expected_version": version}
    forbidden = client_for(practice.therapist).post(f"/api/patients/{pid}/assignments/", body, format="json")
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    last = AccessLogEntry.objects.order_by("-seq").first()
    assert last is not None and (last.action, last.outcome) == ("assign", "denied")
    ok = client_for(practice.admin).post(f"/api/patients/{pid}/assignments/", body, format="json")
    assert ok.status_code == 200
    assert client_for(practice.other_therapist).get(f"/api/patients/{pid}/").status_code == 200


def test_reads_are_logged_and_verify_detects_tampering(setup) -> None:  # type: ignore[no-untyped-def]
    practice, pid, _, _ = setup
    api = client_for(practice.therapist)
    api.get(f"/api/patients/{pid}/")
    api.get(f"/api/patients/{pid}/timeline/")
    reads = AccessLogEntry.objects.filter(object_id=str(pid), outcome="allowed", action__startswith="read")
    assert {e.action for e in reads} >= {"read", "read_timeline"}
    call_command("verify_access_log")  # intact
    victim = reads.order_by("seq").first()
    assert victim is not None
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # The table refuses updates; only someone who can disable the trigger can tamper.
            cur.execute("ALTER TABLE access_log DISABLE TRIGGER access_log_append_only")
        cur.execute("UPDATE access_log SET actor = %s WHERE seq = %s", ["someone-else", victim.seq])
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE access_log ENABLE TRIGGER access_log_append_only")
    with pytest.raises(CommandError, match=f"entry {victim.seq}"):
        call_command("verify_access_log")


def test_access_log_refuses_updates_on_postgres(setup, postgres) -> None:  # type: ignore[no-untyped-def]
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM access_log")


def test_schema_and_docs_are_served() -> None:
    practice = make_practice()
    api = client_for(practice.therapist)
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/patients/{patient_id}/visits/{visit_id}/sign/" in paths
    assert api.get("/api/docs/").status_code == 200


def test_token_authentication() -> None:
    practice = make_practice()
    token = APIClient().post(
        "/api/auth/token/", {"username": "ther1", "password": "test-pass-123"}, format="json"
    )
    assert token.status_code == 200 and token.json()["expiry"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api.get("/api/caseload/").status_code == 200
    assert APIClient().get("/api/caseload/").status_code == 401
    assert practice.therapist.username == "ther1"


def test_caseload_is_paged_in_name_order() -> None:
    practice = make_practice()
    for name in ("Cole", "Adams", "Baker"):
        make_patient(practice.therapist, family_name=name)
    api = client_for(practice.therapist)
    first = api.get("/api/caseload/?limit=2").json()
    assert first["count"] == 3
    assert [r["patient"]["family_name"] for r in first["results"]] == ["Adams", "Baker"]
    rest = api.get("/api/caseload/?limit=2&offset=2").json()
    assert [r["patient"]["family_name"] for r in rest["results"]] == ["Cole"]
    assert api.get("/api/caseload/?limit=0").status_code == 400


def test_goal_baseline_from_a_chosen_visit(setup) -> None:  # type: ignore[no-untyped-def]
    practice, pid, visit_id, version = setup
    api = client_for(practice.therapist)
    version = api.post(
        f"/api/patients/{pid}/visits/{visit_id}/measurements/",
        {"metric": "cadence", "value": 92, "expected_version": version},
        format="json",
    ).json()["version"]
    body = {
        "metric": "cadence",
        "target": 105,
        "comparator": ">=",
        "due_date": due().isoformat(),
        "baseline_visit_id": str(visit_id),
        "expected_version": version,
    }
    assert api.post(f"/api/patients/{pid}/goals/", body, format="json").status_code == 201
    [goal] = api.get(f"/api/patients/{pid}/goals/").json()
    assert goal["baseline"] == 92
    missing = api.post(
        f"/api/patients/{pid}/goals/",
        {**body, "metric": "gait_speed", "target": 1.2, "expected_version": version + 1},
        format="json",
    )
    assert missing.status_code == 400 and missing.json()["code"] == "no_baseline_measurement"
