"""The fitted 3D skeleton is kept with the analysis, sealed like the landmark sequence, reported as
values with their view validity, and served to playback only to those who may see the patient."""

from __future__ import annotations

import hashlib
from pathlib import Path
from uuid import uuid4

import numpy as np
import pytest
from django.conf import settings
from django.test import Client

from analysis.refine3d import BONES, JOINTS, bone_length_cv
from capture.sequence import decode_sequence
from clinic import blobs
from clinic.access import keys
from clinic.projections import models as rm
from clinic.services import analysis as service
from clinic.services.patients import patient_erase_pii
from tests.factories import make_evaluation, make_patient, make_practice, store_recording
from tests.integration.analysis_tasks.conftest import squat_sequence

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager")]

THREED = ("trunk_forward_lean_3d", "trunk_lateral_lean_3d", "trunk_rotation_3d", "pelvis_rotation_3d",
          "knee_flexion_peak_3d", "hip_flexion_peak_3d")  # fmt: skip


def test_skeleton_is_kept_sealed_reported_and_played_back(shared_data: Path) -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    data = squat_sequence(shared_data)
    original = decode_sequence(data)
    sha = store_recording(patient.id, visit_id, original.image, world=original.world)
    assert blobs.get("sequence", patient.id, sha) == data
    analysis_id = service.analysis_request(
        user_or_actor="task:recording", patient_id=patient.id, visit_id=visit_id, source="recording",
        source_id=uuid4(), content_sha256=sha, config={"model": "full", "activity": "squat", "refine_3d": True},
    )  # fmt: skip
    view = rm.AnalysisView.objects.get(analysis_id=analysis_id)
    assert view.status == "completed", view.failure_reason
    refined = view.summary["refine_3d"]
    assert refined["refined"] is True
    skeleton_sha = refined["skeleton_sha256"]

    # Stored as the landmark sequence is: the same format, sealed with the patient's key.
    plain = blobs.get("skeleton", patient.id, skeleton_sha)
    assert hashlib.sha256(plain).hexdigest() == skeleton_sha
    skeleton = decode_sequence(plain)
    assert skeleton.frames == original.frames and skeleton.subject == original.subject
    np.testing.assert_array_equal(skeleton.subject_image(), original.subject_image())
    world = skeleton.subject_world()
    # The fitted skeleton, not the model's landmarks: its bones keep one length.
    assert bone_length_cv(world[..., :3]) < 0.5 * bone_length_cv(original.subject_world()[..., :3])
    on_disk = (
        Path(settings.MEDIA_ROOT) / "blobs" / "skeleton" / str(patient.id) / skeleton_sha[:2] / skeleton_sha
    )
    sealed = on_disk.read_bytes()
    assert sealed.startswith(blobs.MAGIC) and b"world.npy" not in sealed and not sealed.startswith(b"PK")
    assert plain not in sealed and plain[:64] not in sealed

    # Every 3D value is reported or withheld with its reason, and stays with the analysis.
    judged = {(v["metric"], v["side"]): v for v in refined["values"]}
    assert {m for m, _ in judged} == set(THREED)
    for value in judged.values():
        assert ("value" in value and value["unit"] == "deg" and "3D skeleton" in value["method"]) or value[
            "code"
        ] in ("wrong_view", "poor_quality", "implausible")
    metrics = {(m["metric"], m["side"]) for m in view.metrics} | {
        (w["metric"], w["side"]) for w in view.withheld
    }
    assert set(judged) <= metrics

    # Playback serves the skeleton to the patient's therapist, and nothing to another practice.
    client = Client()
    client.force_login(practice.therapist)
    played = client.get(f"/patients/{patient.id}/sequences/{sha}.json").json()
    sk = played["skeleton3d"]
    assert sk["joints"] == list(JOINTS) and sk["bones"] == [list(b) for b in BONES]
    assert len(sk["points"]) == played["frames"] == original.frames
    k = list(JOINTS).index(25)  # left knee
    frame = next(f for f, p in enumerate(sk["points"]) if p[k] is not None)
    np.testing.assert_allclose(sk["points"][frame][k], world[frame, 25, :3], atol=6e-4)
    # The visit page lists them with the other values of the analysis, and why one is withheld.
    page = client.get(f"/patients/{patient.id}/visits/{visit_id}/").content.decode()
    assert "3d" in page.lower() and "peak 3d" in page.lower()
    withheld = [v for v in judged.values() if "code" in v]
    assert all(v["reason"].replace("'", "&#x27;") in page for v in withheld)
    other = make_practice("Other PT", prefix="o")
    client.force_login(other.admin)
    assert client.get(f"/patients/{patient.id}/sequences/{sha}.json").status_code == 404

    # Erasing the patient's personal data takes the skeleton with the landmarks.
    patient_erase_pii(user=practice.admin, patient_id=patient.id, reason="patient asked")
    assert not on_disk.exists()
    with pytest.raises((blobs.BlobMissing, keys.KeyDestroyed)):
        blobs.get("skeleton", patient.id, skeleton_sha)
