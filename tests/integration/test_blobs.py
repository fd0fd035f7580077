"""Encrypted content-addressed blobs."""

from __future__ import annotations

import os

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


def test_large_blobs_are_sealed_chunk_by_chunk_without_holding_the_file(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import tracemalloc

    settings.MEDIA_ROOT = tmp_path / "media"
    patient = make_patient(make_practice().therapist)
    source = tmp_path / "video.bin"
    size = 24 * blobs.CHUNK_BYTES + 12345
    with source.open("wb") as out:
        for i in range(25):
            out.write(bytes([i]) * blobs.CHUNK_BYTES)
    with source.open("r+b") as out:
        out.truncate(size)
    tracemalloc.start()
    try:
        sha = blobs.put_file("video", patient.id, source)
        _, sealing_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        with blobs.opened_copy("video", patient.id, sha, folder=tmp_path / "work") as copy:
            _, opening_peak = tracemalloc.get_traced_memory()
            assert copy.read_bytes() == source.read_bytes()
        assert not copy.exists()  # the plaintext copy is gone after use
    finally:
        tracemalloc.stop()
    # A whole-file read or seal would allocate ~24 MB; chunks keep it to a few MiB.
    assert sealing_peak < 6 * blobs.CHUNK_BYTES, sealing_peak
    assert opening_peak < 6 * blobs.CHUNK_BYTES, opening_peak
    assert sha == blobs.sha256_of(source.read_bytes())
    stored = next((tmp_path / "media" / "blobs" / "video").rglob(sha))
    assert stored.read_bytes().startswith(blobs.MAGIC)
    assert stored.stat().st_size == size + blobs.HEADER_BYTES + 25 * blobs.TAG_BYTES  # one tag per chunk


@pytest.mark.parametrize("size", [0, 1, 1024 * 1024, 2 * 1024 * 1024, 2 * 1024 * 1024 + 1])
def test_chunk_boundaries_round_trip(settings, tmp_path, size: int) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    patient = make_patient(make_practice().therapist)
    data = os.urandom(size)
    sha = blobs.put("sequence", patient.id, data)
    assert blobs.get("sequence", patient.id, sha) == data


def test_tampered_truncated_or_reordered_blobs_are_refused(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    patient = make_patient(make_practice().therapist)
    data = os.urandom(3 * blobs.CHUNK_BYTES + 10)
    sha = blobs.put("video", patient.id, data)
    path = next((tmp_path / "blobs" / "video").rglob(sha))
    sealed = path.read_bytes()
    header, ct = blobs.HEADER_BYTES, blobs.CHUNK_BYTES + blobs.TAG_BYTES
    chunks = [sealed[header + i * ct : header + (i + 1) * ct] for i in range(4)]
    variants = {
        "cut at a chunk boundary": sealed[: header + 3 * ct],
        "chunks swapped": sealed[:header] + chunks[1] + chunks[0] + chunks[2] + chunks[3],
        "one bit flipped": sealed[:-5] + bytes([sealed[-5] ^ 1]) + sealed[-4:],
        "chunk appended": sealed + chunks[3],
        "header cut": sealed[:10],
    }
    for what, damaged in variants.items():
        path.write_bytes(damaged)
        with pytest.raises(blobs.BlobDamaged):
            blobs.get("video", patient.id, sha)
            pytest.fail(what)
    # Moved to another patient: the patient id is associated data.
    other = make_patient(make_practice(name="Other PT", prefix="o").therapist)
    moved = tmp_path / "blobs" / "video" / str(other.id) / sha[:2] / sha
    moved.parent.mkdir(parents=True)
    moved.write_bytes(sealed)
    with pytest.raises(blobs.BlobDamaged):
        blobs.get("video", other.id, sha)


def test_blobs_sealed_in_one_message_before_streaming_are_still_read(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    patient = make_patient(make_practice().therapist)
    data = b"an older landmark sequence" * 1000
    sha = blobs.sha256_of(data)
    path = tmp_path / "blobs" / "sequence" / str(patient.id) / sha[:2] / sha
    path.parent.mkdir(parents=True)
    path.write_bytes(keys.seal_bytes(patient.id, data))  # the format blobs.put wrote before
    assert blobs.get("sequence", patient.id, sha) == data
    with blobs.opened_copy("sequence", patient.id, sha) as copy:
        assert copy.read_bytes() == data
