"""Content-addressed, per-patient encrypted file storage (videos, landmark sequences, stills).

Kinds: ``video`` (uploads), ``sequence`` (landmark sequences, :mod:`capture.sequence`),
``skeleton`` (an analysis's fitted 3D skeleton of the subject, in the landmark sequence's format)
and ``still`` (JPEG images of the people an analysis saw, :mod:`clinic.analysis_jobs.subject`).

A blob is named by the SHA-256 of its plaintext, so storing the same content twice is
one file and "the same video" can be recognised before any work is queued. The bytes
on disk are sealed with the patient's key (:mod:`clinic.access.keys`); once that key is
erased the files are unreadable, and ``erase_patient_files`` removes them as well.

Layout: ``MEDIA_ROOT/blobs/<kind>/<patient id>/<sha[:2]>/<sha>``. Writes go to a
temporary file that is renamed into place, so a crash never leaves half a blob.

Sealed format (streaming, so a 1 GB video never sits in memory): the STREAM construction
of Hoang, Reyhanitabar, Rogaway and Vizár (2015) over AES-256-GCM::

    MAGIC (8) | chunk size (4, big-endian) | file nonce (7) | chunk 0 | chunk 1 | ... | last chunk

Chunk ``i`` is the AES-GCM ciphertext (plaintext + 16-byte tag) of at most ``chunk size``
plaintext bytes, every chunk but the last full, under the nonce ``file nonce || i (4 bytes,
big-endian) || last (1 byte: 1 for the final chunk, else 0)`` with the header and the patient id
as associated data. Reordering, dropping or appending chunks, or cutting the file at a chunk
boundary, fails authentication (:class:`BlobDamaged`). Blobs written before this format (one
AES-GCM message: 12-byte nonce + ciphertext, no MAGIC) are still read, whole, in memory.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from clinic.access import keys

KINDS = ("video", "sequence", "skeleton", "still")
MAGIC = b"CLNBLOB2"
CHUNK_BYTES = 1024 * 1024
_FILE_NONCE_BYTES = 7
_TAG_BYTES = 16
_HEADER = struct.Struct(f">{len(MAGIC)}sI{_FILE_NONCE_BYTES}s")
HEADER_BYTES = _HEADER.size
TAG_BYTES = _TAG_BYTES


class BlobMissing(Exception):
    """No blob with this hash is stored for the patient (deleted, or never stored)."""


class BlobDamaged(Exception):
    """The stored bytes fail authentication: changed, truncated or not a blob at all."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _root() -> Path:
    return Path(settings.MEDIA_ROOT) / "blobs"


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"blob kind must be one of {KINDS}")


def _path(kind: str, patient_id: UUID, sha256: str) -> Path:
    _check_kind(kind)
    if len(sha256) != 64 or any(ch not in "0123456789abcdef" for ch in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return _root() / kind / str(patient_id) / sha256[:2] / sha256


def _nonce(file_nonce: bytes, index: int, *, last: bool) -> bytes:
    return file_nonce + struct.pack(">IB", index, 1 if last else 0)


def _read_full(source: BinaryIO, size: int) -> bytes:
    """``size`` bytes, or fewer only at the end of ``source`` (pipes and sockets return short reads)."""
    parts, wanted = [], size
    while wanted > 0:
        part = source.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


def seal_stream(
    patient_id: UUID, source: BinaryIO, target: BinaryIO, *, chunk_bytes: int = CHUNK_BYTES
) -> str:
    """Seal everything ``source`` yields into ``target``; returns the plaintext's SHA-256."""
    if chunk_bytes < 1 or chunk_bytes >= 2**32:
        raise ValueError("chunk_bytes must be between 1 and 2**32 - 1")
    aead = AESGCM(keys.data_key(patient_id))
    file_nonce = os.urandom(_FILE_NONCE_BYTES)
    header = _HEADER.pack(MAGIC, chunk_bytes, file_nonce)
    aad = header + patient_id.bytes
    target.write(header)
    digest = hashlib.sha256()
    current = _read_full(source, chunk_bytes)
    index = 0
    while True:
        following = _read_full(source, chunk_bytes) if len(current) == chunk_bytes else b""
        last = not following
        digest.update(current)
        target.write(aead.encrypt(_nonce(file_nonce, index, last=last), current, aad))
        if last:
            return digest.hexdigest()
        current, index = following, index + 1
        if index >= 2**32:
            raise ValueError("too large to seal")


def open_stream(patient_id: UUID, sealed: BinaryIO) -> Iterator[bytes]:
    """The plaintext of a sealed file, chunk by chunk (also reads the older single-message format)."""
    first = _read_full(sealed, _HEADER.size)
    if not first.startswith(MAGIC):
        try:
            yield keys.open_bytes(patient_id, first + sealed.read())
        except InvalidTag:
            raise BlobDamaged("the stored file fails authentication") from None
        return
    if len(first) < _HEADER.size:
        raise BlobDamaged("the stored file ends inside its header")
    _, chunk_bytes, file_nonce = _HEADER.unpack(first)
    aead = AESGCM(keys.data_key(patient_id))
    aad = first + patient_id.bytes
    size = chunk_bytes + _TAG_BYTES
    current = _read_full(sealed, size)
    index = 0
    while True:
        following = _read_full(sealed, size) if len(current) == size else b""
        try:
            yield aead.decrypt(_nonce(file_nonce, index, last=not following), current, aad)
        except InvalidTag:
            raise BlobDamaged(f"chunk {index} of the stored file fails authentication") from None
        if not following:
            return
        current, index = following, index + 1


def put_stream(kind: str, patient_id: UUID, source: BinaryIO, *, sha256: str | None = None) -> str:
    """Seal and store what ``source`` yields, in one pass; returns its SHA-256.

    ``sha256``, when the caller knows it, skips existing content without reading ``source`` and
    is verified against what was read. Storing existing content is a no-op.
    """
    _check_kind(kind)
    if sha256 is not None and exists(kind, patient_id, sha256):
        return sha256
    folder = _root() / kind / str(patient_id)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out:
            actual = seal_stream(patient_id, source, out)
        if sha256 is not None and actual != sha256:
            raise ValueError(f"the content changed while it was stored (expected {sha256[:12]})")
        path = _path(kind, patient_id, actual)
        path.parent.mkdir(exist_ok=True)
        if path.exists():
            Path(tmp).unlink()
        else:
            os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return actual


def put(kind: str, patient_id: UUID, data: bytes) -> str:
    """Seal and store ``data``; returns its SHA-256. Storing existing content is a no-op."""
    return put_stream(kind, patient_id, io.BytesIO(data), sha256=sha256_of(data))


def put_file(kind: str, patient_id: UUID, path: Path, *, sha256: str | None = None) -> str:
    """Seal and store the file at ``path`` chunk by chunk; returns its SHA-256."""
    with path.open("rb") as source:
        return put_stream(kind, patient_id, source, sha256=sha256)


@contextmanager
def _sealed(kind: str, patient_id: UUID, sha256: str) -> Iterator[BinaryIO]:
    path = _path(kind, patient_id, sha256)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise BlobMissing(f"{kind} {sha256[:12]} is not stored") from None
    with handle:
        yield handle


def get(kind: str, patient_id: UUID, sha256: str) -> bytes:
    """The plaintext in memory (for landmark sequences; stream videos with :func:`opened_copy`).

    BlobMissing if absent, keys.KeyDestroyed if the patient was erased, BlobDamaged if altered.
    """
    with _sealed(kind, patient_id, sha256) as sealed:
        return b"".join(open_stream(patient_id, sealed))


@contextmanager
def opened_copy(kind: str, patient_id: UUID, sha256: str, *, folder: Path | None = None) -> Iterator[Path]:
    """The plaintext written chunk by chunk to a private temporary file ``<folder>/<tmp>/<kind>``.

    For decoders that need a file (the video reader); removed on exit. ``folder`` defaults to
    the system's temporary folder; the private directory has mode 0700.
    """
    with _sealed(kind, patient_id, sha256) as sealed:
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        private = Path(tempfile.mkdtemp(dir=folder, prefix=f"clinic-{kind}-"))
        try:
            path = private / kind
            with path.open("xb") as out:
                for chunk in open_stream(patient_id, sealed):
                    out.write(chunk)
            yield path
        finally:
            shutil.rmtree(private, ignore_errors=True)


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
