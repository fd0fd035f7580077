"""Build small practices through the services (the only write path), for tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.utils import timezone

from clinic.domain.roles import Actor
from clinic.services import patients, practices, visits

PASSWORD = "test-pass-123"
# The clinician a stored test recording is made by (the live page's user, without the page).
LIVE_CAPTURE_CLINICIAN = Actor(user_id=None, role="therapist", name="Test clinician", credentials="PT")


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
    visit = visits.visit_record(
        user=user,
        patient_id=patient.id,
        visit_type="evaluation",
        visit_date=today,
        expected_version=patient.version,
    )
    note = visits.visit_note_write(
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


def store_recording(
    patient_id: UUID, visit_id: UUID, image: Any, *, sampling_rate_hz: float = 5.0, world: Any = None
) -> str:
    """A live recording of ``image`` landmarks (``(1, frames, 33, 4)``, the ``world`` landmarks
    of the same shape, copied from the image when None),
    stored as live capture stores one: the sealed sequence, then RecordingStarted and RecordingStopped
    through the domain. Returns the sequence's SHA-256."""
    from capture.sequence import LandmarkSequence, encode_sequence
    from clinic import blobs
    from clinic.domain import commands as c
    from clinic.domain.decide import decide_patient
    from clinic.domain.patients import PatientState, evolve
    from clinic.services.streams import execute, patient_stream

    frames = int(image.shape[1])
    sequence = LandmarkSequence(
        image=image, world=image.copy() if world is None else world, person_ids=(1,), subject=1, sampling_rate_hz=sampling_rate_hz,
        width_px=720, height_px=1280, model="full",
    )  # fmt: skip
    sha = blobs.put("sequence", patient_id, encode_sequence(sequence))
    start = c.StartRecording(
        visit_id=visit_id, exercise="squat", model="full", mode="server", now=timezone.now(),
        actor=LIVE_CAPTURE_CLINICIAN,
    )  # fmt: skip
    stop = c.StopRecording(
        recording_id=start.recording_id, now=timezone.now(), frames=frames,
        duration_s=frames / sampling_rate_hz, sequence_sha256=sha, sampling_rate_hz=sampling_rate_hz,
    )  # fmt: skip
    for command in (start, stop):
        execute(
            patient_stream(patient_id), command, evolve=evolve, initial=PatientState(), decide=decide_patient,
            expected_version=None,
        )  # fmt: skip
    return sha


def store_analysis(
    patient_id: UUID,
    visit_id: UUID,
    metrics: Any,
    *,
    withheld: Any = (),
    software_version: str = "test-1.0",
    summary: Any = None,
    config: Any = None,
) -> UUID:
    """A completed analysis of ``metrics`` (``MetricValue``s) on a visit, stored through the domain
    as the analysis task stores one (RequestAnalysis, then CompleteAnalysis), without MediaPipe.
    Its values are preliminary until reviewed. Returns the analysis id."""
    import hashlib
    import uuid

    from clinic.domain import commands as c
    from clinic.domain.decide import decide_patient
    from clinic.domain.patients import PatientState, evolve
    from clinic.domain.roles import system_actor
    from clinic.services.streams import execute, patient_stream

    content = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    request = c.RequestAnalysis(
        visit_id=visit_id, source="upload", source_id=uuid.uuid4(), content_sha256=content,
        config=config or {"activity": "gait", "model": "full"}, actor=system_actor("task:test"),
    )  # fmt: skip
    complete = c.CompleteAnalysis(
        analysis_id=request.analysis_id, software_version=software_version,
        sequence_sha256=hashlib.sha256(content.encode()).hexdigest(), metrics=tuple(metrics),
        summary=summary or {}, withheld=tuple(withheld),
    )  # fmt: skip
    for command in (request, complete):
        execute(
            patient_stream(patient_id), command, evolve=evolve, initial=PatientState(), decide=decide_patient,
            expected_version=None,
        )  # fmt: skip
    return request.analysis_id


def review_value(
    user: Any, patient_id: UUID, analysis_id: UUID, index: int, decision: str = "accept", **kwargs: Any
) -> int:
    """Review one value of an analysis through the service; returns the stream's new version."""
    from clinic.services import review

    return review.analysis_value_review(
        user=user, patient_id=patient_id, analysis_id=analysis_id, index=index, decision=decision,
        expected_version=None, **kwargs,
    ).version  # fmt: skip
