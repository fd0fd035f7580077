"""Build small practices through the services (the only write path), for tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.utils import timezone

from clinic.services import care, patients, practices

PASSWORD = "test-pass-123"


@dataclass
class Practice:
    practice_id: UUID
    therapist: Any
    other_therapist: Any
    admin: Any


def make_practice(name: str = "Test PT", prefix: str = "") -> Practice:
    practice_id = practices.practice_open(name=name)
    users = {}
    for username, role, first in (
        (f"{prefix}ther1", "therapist", "Tess"),
        (f"{prefix}ther2", "therapist", "Theo"),
        (f"{prefix}admin", "admin", "Ada"),
    ):
        user_id = practices.staff_add(
            practice_id=practice_id,
            username=username,
            password=PASSWORD,
            role=role,
            first_name=first,
            last_name="Tester",
            credentials="PT, DPT",
        )
        users[role if role == "admin" or username.endswith("1") else "other"] = get_user_model().objects.get(
            pk=user_id
        )
    return Practice(practice_id, users["therapist"], users["other"], users["admin"])


def make_patient(user: Any, *, family_name: str = "Ruiz") -> patients.Written:
    return patients.patient_register(
        user=user,
        given_name="Ana",
        family_name=family_name,
        date_of_birth=date(1950, 1, 2),
        sex="female",
        diagnoses=[("M17.11", "Unilateral primary osteoarthritis, right knee")],
        referring_physician="Dr Who",
        payer="Medicare Part B",
        payer_member_id="M123",
        contact={"phone": "555-0100", "email": "ana@example.org", "address": "1 Elm St"},
    )


def make_evaluation(user: Any, patient: patients.Written) -> tuple[UUID, int]:
    """An evaluation visit with a written (unsigned) note; returns (visit id, version)."""
    today = timezone.localdate()
    visit = care.visit_record(
        user=user,
        patient_id=patient.id,
        visit_type="evaluation",
        visit_date=today,
        expected_version=patient.version,
    )
    note = care.visit_note_write(
        user=user,
        patient_id=patient.id,
        visit_id=visit.id,
        subjective="Knee pain",
        assessment="OA knee",
        plan="PT 2x/week",
        expected_version=visit.version,
    )
    return visit.id, note.version


def due(days: int = 42) -> date:
    return timezone.localdate() + timedelta(days=days)
