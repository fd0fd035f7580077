"""Event payloads round-trip through JSON, and old payloads are upcast on read."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from uuid import uuid4

from clinic.domain import events as ev
from clinic.domain.upcasters import UPCASTERS
from clinic.eventstore.upcasting import UpcasterRegistry


def test_every_event_round_trips_through_json() -> None:
    pid = uuid4()
    samples = [
        ev.PatientRegistered(
            patient_id=pid,
            practice_id=uuid4(),
            given_name="A",
            family_name="B",
            date_of_birth=date(1960, 5, 6),
            sex="male",
            contact_sealed="v1:abc",
            diagnoses=(ev.Diagnosis(code="M17.11", description="OA"),),
            referring_physician="Dr",
            payer="P",
            payer_member_id="M1",
        ),
        ev.VisitNoteSigned(
            patient_id=pid,
            visit_id=uuid4(),
            signed_by=3,
            signer_name="T",
            credentials="PT",
            signed_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        ),
        ev.GoalSet(
            patient_id=pid,
            goal_id=uuid4(),
            metric="cadence",
            description="d",
            unit="steps/min",
            baseline=None,
            baseline_visit_id=None,
            target=100.0,
            comparator=">=",
            due_date=date(2027, 1, 1),
            lifecycle_status="active",
        ),
        ev.VisitNoteWritten(patient_id=pid, visit_id=uuid4(), note=ev.SoapNote(subjective="s", plan="p")),
    ]
    for event in samples:
        data = json.loads(json.dumps(event.to_data()))
        assert ev.event_from_data(event.event_type(), data) == event


def test_patient_registered_v1_is_upcast_to_v2() -> None:
    registry = UpcasterRegistry()
    registry.register_all(UPCASTERS)
    v1 = {"patient_id": str(uuid4()), "diagnoses": ["M17.11", "Z96.651"]}
    version, data = registry.upcast("PatientRegistered", 1, v1)
    assert version == ev.PatientRegistered.schema_version == 2
    assert data["diagnoses"] == [
        {"code": "M17.11", "description": ""},
        {"code": "Z96.651", "description": ""},
    ]
    assert data["payer_member_id"] == ""
    # A current payload passes through untouched.
    assert registry.upcast("PatientRegistered", 2, data) == (2, data)
