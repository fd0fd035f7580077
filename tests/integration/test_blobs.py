"""Encrypted content-addressed blobs."""

from __future__ import annotations

import pytest

from clinic import blobs
from clinic.access import keys
from tests.factories import make_patient, make_practice

pytestmark = pytest.mark.django_db(transaction=True)


def test_blobs_are_sealed_content_addressed_and_shredded(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    practice = make_practice()
    patient = make_patient(practice.therapist)
    data = b"\x00\x01fake-video-bytes" * 100
    sha = blobs.put("video", patient.id, data)
    assert sha == blobs.sha256_of(data)
    assert blobs.put("video", patient.id, data) == sha  # same content, same blob
    stored = next((tmp_path / "blobs" / "video").rglob(sha))
    assert b"fake-video-bytes" not in stored.read_bytes()  # encrypted at rest
    assert blobs.get("video", patient.id, sha) == data
    keys.destroy_key(patient.id)
    with pytest.raises(keys.KeyDestroyed):
        blobs.get("video", patient.id, sha)
    blobs.erase_patient_files(patient.id)
    assert not blobs.exists("video", patient.id, sha)
    with pytest.raises(blobs.BlobMissing):
        blobs.get("video", patient.id, sha)
    with pytest.raises(ValueError):
        blobs.get("video", patient.id, "../../etc/passwd")
