"""Per-patient encryption keys and crypto-shredding.

Each patient gets a random 256-bit data key; contact details (and stored video) are
sealed with AES-256-GCM under it, with the patient id as associated data so a
ciphertext cannot be moved to another patient. Data keys are stored wrapped (AES-GCM)
with a key-encryption key derived by HKDF-SHA256 from ``PII_MASTER_KEY``, a secret of
its own (clinic/config/secrets.py), so a leaked SECRET_KEY unwraps nothing. Destroying a
patient's key makes everything sealed under it unreadable for good, while the clinical
record, which is not sealed, stays.

Installations from before the per-installation secrets wrapped data keys with a key
derived from ``SECRET_KEY`` (the public default when none was set). Such a key still
unwraps, once: it is re-wrapped with ``PII_MASTER_KEY`` on first use.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from clinic.access.models import PatientKey
from clinic.config.secrets import LEGACY_DEFAULT_SECRET_KEY

PREFIX = "v1:"
NONCE_BYTES = 12


class KeyDestroyed(Exception):
    """The patient's key was erased: the sealed data can no longer be read."""


def _derive(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"clinic-pii-kek", info=b"patient-keys").derive(
        secret.encode()
    )


def _kek() -> bytes:
    if not settings.PII_MASTER_KEY:
        raise ImproperlyConfigured("PII_MASTER_KEY is empty: set it, or unset it to use the generated one.")
    return _derive(settings.PII_MASTER_KEY)


def _legacy_keks() -> list[bytes]:
    """Key-encryption keys of the old scheme: derived from SECRET_KEY (current, fallbacks, public default)."""
    candidates = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS, LEGACY_DEFAULT_SECRET_KEY]
    unique = [c for i, c in enumerate(candidates) if c and c not in candidates[:i]]
    return [_derive(c) for c in unique if c != settings.PII_MASTER_KEY]


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)


def create_key(patient_id: UUID) -> None:
    data_key = AESGCM.generate_key(bit_length=256)
    PatientKey.objects.create(patient_id=patient_id, wrapped_key=_seal(_kek(), data_key, patient_id.bytes))


def _data_key(patient_id: UUID) -> bytes:
    row = PatientKey.objects.filter(patient_id=patient_id).values_list("wrapped_key", flat=True).first()
    if row is None:
        raise KeyDestroyed(f"the key of patient {patient_id} has been erased")
    wrapped = bytes(row)
    try:
        return _open(_kek(), wrapped, patient_id.bytes)
    except InvalidTag:
        pass
    for legacy in _legacy_keks():
        try:
            data_key = _open(legacy, wrapped, patient_id.bytes)
        except InvalidTag:
            continue
        # Re-wrap so the legacy secret stops mattering for this patient. Conditional on
        # the old value: a concurrent re-wrap or erasure wins, and both wrappings are valid.
        PatientKey.objects.filter(patient_id=patient_id, wrapped_key=wrapped).update(
            wrapped_key=_seal(_kek(), data_key, patient_id.bytes)
        )
        return data_key
    raise ImproperlyConfigured(
        f"the key of patient {patient_id} does not unwrap with PII_MASTER_KEY (nor the legacy SECRET_KEY "
        f"derivation): PII_MASTER_KEY is not the key this database was written with."
    )


def data_key(patient_id: UUID) -> bytes:
    """The patient's data key, for sealing files chunk by chunk (:mod:`clinic.blobs`); KeyDestroyed if erased."""
    return _data_key(patient_id)


def seal_bytes(patient_id: UUID, data: bytes) -> bytes:
    return _seal(_data_key(patient_id), data, patient_id.bytes)


def open_bytes(patient_id: UUID, sealed: bytes) -> bytes:
    return _open(_data_key(patient_id), sealed, patient_id.bytes)


def seal_json(patient_id: UUID, value: dict[str, Any]) -> str:
    return PREFIX + base64.b64encode(seal_bytes(patient_id, json.dumps(value).encode())).decode()


def open_json(patient_id: UUID, token: str) -> dict[str, Any]:
    """The sealed value, or KeyDestroyed if the patient's key was erased."""
    if not token.startswith(PREFIX):
        raise ValueError("not a sealed value")
    value: dict[str, Any] = json.loads(open_bytes(patient_id, base64.b64decode(token[len(PREFIX) :])))
    return value


def destroy_key(patient_id: UUID) -> bool:
    deleted, _ = PatientKey.objects.filter(patient_id=patient_id).delete()
    return deleted > 0
