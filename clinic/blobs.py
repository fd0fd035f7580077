"""Content-addressed, per-patient encrypted file storage (videos, landmark sequences).

A blob is named by the SHA-256 of its plaintext, so storing the same content twice is
one file and "the same video" can be recognised before any work is queued. The bytes
on disk are sealed with the patient's key (:mod:`clinic.access.keys`); once that key is
erased the files are unreadable, and ``erase_patient_files`` removes them as well.

Layout: ``MEDIA_ROOT/blobs/<kind>/<patient id>/<sha[:2]>/<sha>``. Writes go to a
temporary file that is renamed into place, so a crash never leaves half a blob.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from uuid import UUID

from django.conf import settings

from clinic.access import keys

KINDS = ("video", "sequence")


class BlobMissing(Exception):
    """No blob with this hash is stored for the patient (deleted, or never stored)."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _root() -> Path:
    return Path(settings.MEDIA_ROOT) / "blobs"


def _path(kind: str, patient_id: UUID, sha256: str) -> Path:
    if kind not in KINDS:
        raise ValueError(f"blob kind must be one of {KINDS}")
    if len(sha256) != 64 or any(ch not in "0123456789abcdef" for ch in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return _root() / kind / str(patient_id) / sha256[:2] / sha256


def put(kind: str, patient_id: UUID, data: bytes) -> str:
    """Seal and store ``data``; returns its SHA-256. Storing existing content is a no-op."""
    sha256 = sha256_of(data)
    path = _path(kind, patient_id, sha256)
    if path.exists():
        return sha256
    path.parent.mkdir(parents=True, exist_ok=True)
    sealed = keys.seal_bytes(patient_id, data)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(sealed)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha256


def get(kind: str, patient_id: UUID, sha256: str) -> bytes:
    """The plaintext; BlobMissing if absent, keys.KeyDestroyed if the patient was erased."""
    path = _path(kind, patient_id, sha256)
    try:
        sealed = path.read_bytes()
    except FileNotFoundError:
        raise BlobMissing(f"{kind} {sha256[:12]} is not stored") from None
    return keys.open_bytes(patient_id, sealed)


def exists(kind: str, patient_id: UUID, sha256: str) -> bool:
    return _path(kind, patient_id, sha256).exists()


def delete(kind: str, patient_id: UUID, sha256: str) -> bool:
    path = _path(kind, patient_id, sha256)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def erase_patient_files(patient_id: UUID) -> None:
    """Remove every blob of a patient (after their key was destroyed)."""
    for kind in KINDS:
        shutil.rmtree(_root() / kind / str(patient_id), ignore_errors=True)
