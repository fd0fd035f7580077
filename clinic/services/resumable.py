"""Resumable video uploads: the state behind the tus 1.0 endpoints (:mod:`clinic.api.tus_views`).

An upload is created with its length, file name and analysis options, receives its bytes in
pieces at the offset it reports, and once complete goes through :func:`clinic.services.uploads.
video_upload` (the same checks, duplicate handling and events as a one-request upload); what that
returns (analysis id, duplicate) is kept so a client that lost the last answer can ask again.

Storage, per upload, under ``RESUMABLE_UPLOAD_DIR/<upload id>/``:

* ``state.json``: patient, visit, user, length, offset, name, options, the result once complete,
  and the upload's own data key sealed with the patient's key (so erasing the patient's key makes
  the partial data unreadable too); replaced atomically;
* ``data.part``: the bytes received so far, encrypted with AES-256-CTR under that key (CTR lets each
  piece be appended at any offset; integrity is the video check's and the content hash's job);
* ``lock``: ``flock``-ed by the one request that may change the upload (others get UploadBusy).

The state's offset is the truth: bytes in ``data.part`` beyond it (a crash between writing and
recording) are cut off before the next piece is written. Every call checks the patient with
:func:`clinic.services.patients.patient_access` and answers NotVisible for an upload of another
user, patient or visit. Uploads untouched for ``RESUMABLE_UPLOAD_EXPIRY_S`` are removed.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from uuid import UUID

from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes
from django.conf import settings

from clinic.access import keys
from clinic.access.policy import NotVisible
from clinic.analysis_jobs.config import ConfigError, analysis_config
from clinic.analysis_jobs.upload_check import UploadRefused, check_name_and_size
from clinic.domain.errors import DomainError
from clinic.services import analysis as service
from clinic.services import uploads

CHUNK = 1024 * 1024
_STATE, _DATA, _LOCK = "state.json", "data.part", "lock"


class OffsetMismatch(Exception):
    """A piece sent at another offset than the upload has reached; ``offset`` is where it is."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"this upload is at byte {offset}; send the bytes from there")
        self.offset = offset


class UploadBusy(Exception):
    """Another request is writing this upload right now."""


class TooLong(ValueError):
    """More bytes than the upload's declared length."""


@dataclass(frozen=True, kw_only=True)
class UploadState:
    upload_id: UUID
    length_bytes: int
    offset_bytes: int
    name: str
    analysis_id: UUID | None = None  # set once complete and accepted
    duplicate: bool = False

    @property
    def complete(self) -> bool:
        return self.analysis_id is not None


def _root() -> Path:
    return Path(settings.RESUMABLE_UPLOAD_DIR)


def _folder(upload_id: UUID) -> Path:
    return _root() / upload_id.hex


def _read_state(folder: Path) -> dict[str, Any]:
    try:
        state: dict[str, Any] = json.loads((folder / _STATE).read_text())
    except FileNotFoundError:
        raise NotVisible("upload not found") from None
    return state


def _write_state(folder: Path, state: dict[str, Any]) -> None:
    tmp = folder / f".{_STATE}.{os.getpid()}"
    tmp.write_text(json.dumps(state))
    os.replace(tmp, folder / _STATE)


def _view(state: dict[str, Any]) -> UploadState:
    result = state.get("result") or {}
    return UploadState(
        upload_id=UUID(state["upload_id"]),
        length_bytes=state["length"],
        offset_bytes=state["offset"],
        name=state["name"],
        analysis_id=UUID(result["analysis_id"]) if result else None,
        duplicate=bool(result.get("duplicate", False)),
    )


def _cipher(key: bytes, nonce: bytes, offset: int) -> CipherContext:
    """AES-CTR positioned at byte ``offset`` of the stream (encryption and decryption alike)."""
    block, skip = divmod(offset, 16)
    context = Cipher(algorithms.AES(key), modes.CTR(nonce + block.to_bytes(8, "big"))).encryptor()
    context.update(bytes(skip))
    return context


def _key(state: dict[str, Any], patient_id: UUID) -> tuple[bytes, bytes]:
    sealed = keys.open_bytes(patient_id, base64.b64decode(state["key"]))
    return sealed[:32], sealed[32:]


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    try:
        handle = (folder / _LOCK).open("a")
    except FileNotFoundError:
        raise NotVisible("upload not found") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadBusy("another request is sending this upload; try again in a moment") from None
        yield


def _owned(user: Any, patient_id: UUID, visit_id: UUID, upload_id: UUID) -> tuple[Path, dict[str, Any]]:
    folder = _folder(upload_id)
    state = _read_state(folder)
    if (state["patient_id"], state["visit_id"], state["user_id"]) != (
        str(patient_id),
        str(visit_id),
        user.pk,
    ):
        raise NotVisible("upload not found")
    return folder, state


def remove_expired(*, now_s: float | None = None) -> int:
    """Remove uploads untouched for ``RESUMABLE_UPLOAD_EXPIRY_S`` (skipping any being written)."""
    root = _root()
    if not root.is_dir():
        return 0
    cutoff = (now_s if now_s is not None else time.time()) - int(settings.RESUMABLE_UPLOAD_EXPIRY_S)
    removed = 0
    for folder in root.iterdir():
        try:
            touched = max(p.stat().st_mtime for p in folder.iterdir())
        except (OSError, ValueError):
            touched = 0.0  # empty or vanished: a creation that never finished
        if touched >= cutoff:
            continue
        try:
            with _locked(folder):
                shutil.rmtree(folder, ignore_errors=True)
        except UploadBusy:
            continue
        except NotVisible:  # no lock file: a creation that never finished
            shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def upload_create(
    *, user: Any, patient_id: UUID, visit_id: UUID, length_bytes: int, name: str, config: dict[str, Any]
) -> UploadState:
    """Start a resumable upload of ``length_bytes``; UploadRefused (wrong type, too large, empty),
    ConfigError (options) or NotVisible (patient or visit) before anything is written."""
    from clinic.services.patients import patient_access

    name = Path(name or "video").name
    with patient_access(user, patient_id, "video_upload_start"):
        state, _ = service.load_patient(patient_id)
        if visit_id not in state.visits:
            raise NotVisible(f"visit {visit_id} not found")
        uploads.check_can_attach_video(user, patient_id, visit_id)
        check_name_and_size(name, size_bytes=length_bytes, max_bytes=int(settings.MAX_UPLOAD_BYTES))
        canonical = analysis_config(config).to_dict()
        remove_expired()
        upload_id = uuid.uuid4()
        folder = _folder(upload_id)
        folder.mkdir(parents=True, mode=0o700)
        data_key = os.urandom(32) + os.urandom(8)  # AES-256 key + CTR nonce
        record = {
            "upload_id": str(upload_id),
            "patient_id": str(patient_id),
            "visit_id": str(visit_id),
            "user_id": user.pk,
            "length": length_bytes,
            "offset": 0,
            "name": name,
            "config": canonical,
            "key": base64.b64encode(keys.seal_bytes(patient_id, data_key)).decode(),
            "result": None,
        }
        (folder / _DATA).touch(mode=0o600)
        (folder / _LOCK).touch(mode=0o600)
        _write_state(folder, record)  # last: an upload exists once its state does
    return _view(record)


def upload_status(*, user: Any, patient_id: UUID, visit_id: UUID, upload_id: UUID) -> UploadState:
    from clinic.services.patients import patient_access

    with patient_access(user, patient_id, "video_upload_status"):
        _, state = _owned(user, patient_id, visit_id, upload_id)
    return _view(state)


def upload_append(
    *, user: Any, patient_id: UUID, visit_id: UUID, upload_id: UUID, offset_bytes: int, source: BinaryIO,
    length_bytes: int,
) -> UploadState:  # fmt: skip
    """Append ``length_bytes`` read from ``source`` at ``offset_bytes``; at the last byte the video is
    checked and its analysis requested (UploadRefused etc. then remove the upload: nothing stays)."""
    from clinic.services.patients import patient_access

    with patient_access(user, patient_id, "video_upload"):
        folder, state = _owned(user, patient_id, visit_id, upload_id)
        with _locked(folder):
            state = _read_state(folder)  # as of holding the lock
            if state["result"] is not None or offset_bytes != state["offset"]:
                raise OffsetMismatch(state["offset"])
            if offset_bytes + length_bytes > state["length"]:
                raise TooLong(
                    f"{length_bytes} bytes at byte {offset_bytes} pass the upload's length of {state['length']}"
                )
            state["offset"] = offset_bytes + _write(folder, state, patient_id, source, length_bytes)
            _write_state(folder, state)
            if state["offset"] == state["length"]:
                state = _finish(folder, state, previous_offset=offset_bytes, user=user, patient_id=patient_id)
    return _view(state)


def _write(folder: Path, state: dict[str, Any], patient_id: UUID, source: BinaryIO, length_bytes: int) -> int:
    key, nonce = _key(state, patient_id)
    cipher = _cipher(key, nonce, state["offset"])
    written = 0
    with (folder / _DATA).open("r+b") as out:
        out.truncate(state["offset"])  # drop bytes written but never recorded
        out.seek(state["offset"])
        while written < length_bytes:
            piece = source.read(min(CHUNK, length_bytes - written))
            if not piece:
                break  # the client went away: keep what arrived
            out.write(cipher.update(piece))
            written += len(piece)
        out.flush()
        os.fsync(out.fileno())
    return written


class _PartFile:
    """The completed upload as :class:`clinic.services.uploads.UploadedFileLike`, decrypted as read."""

    def __init__(self, folder: Path, state: dict[str, Any], patient_id: UUID) -> None:
        self.name: str | None = state["name"]
        self.size: int | None = state["length"]
        self._path = folder / _DATA
        self._key, self._nonce = _key(state, patient_id)

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        cipher = _cipher(self._key, self._nonce, 0)
        with self._path.open("rb") as data:
            while piece := data.read(chunk_size or CHUNK):
                yield cipher.update(piece)


# The file will never be accepted as it is: the upload is removed and the client starts again.
_REFUSED = (UploadRefused, ConfigError, DomainError, NotVisible, keys.KeyDestroyed)


def _finish(
    folder: Path, state: dict[str, Any], *, previous_offset: int, user: Any, patient_id: UUID
) -> dict[str, Any]:
    try:
        result = uploads.video_upload(
            user=user,
            patient_id=patient_id,
            visit_id=UUID(state["visit_id"]),
            uploaded=_PartFile(folder, state, patient_id),
            config=state["config"],
        )
    except _REFUSED:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    except BaseException:
        # Anything else (database, disk) may pass: the last piece counts as not received, so the
        # client's retry of it finishes the upload.
        state["offset"] = previous_offset
        _write_state(folder, state)
        raise
    state["result"] = {"analysis_id": str(result.analysis_id), "duplicate": result.duplicate}
    (folder / _DATA).unlink(missing_ok=True)  # sealed as a blob now; keep only the answer
    _write_state(folder, state)
    return state


def upload_terminate(*, user: Any, patient_id: UUID, visit_id: UUID, upload_id: UUID) -> None:
    """Remove an upload and its data (tus termination)."""
    from clinic.services.patients import patient_access

    with patient_access(user, patient_id, "video_upload_cancel"):
        folder, _ = _owned(user, patient_id, visit_id, upload_id)
        with _locked(folder):
            shutil.rmtree(folder, ignore_errors=True)


__all__ = [
    "OffsetMismatch",
    "TooLong",
    "UploadBusy",
    "UploadState",
    "upload_append",
    "upload_create",
    "upload_status",
    "upload_terminate",
]
