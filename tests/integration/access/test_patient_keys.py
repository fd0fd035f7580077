"""Patient keys wrapped by installations from before PII_MASTER_KEY was its own secret."""

from __future__ import annotations

import uuid

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured

from clinic.access import keys
from clinic.access.models import PatientKey
from clinic.config.secrets import LEGACY_DEFAULT_SECRET_KEY

pytestmark = pytest.mark.django_db

NEW_PII_KEY = "new-pii-master-key-" + "0123456789abcdefghijklmnopqrstuvwxyz"
CUSTOM_SECRET_KEY = "an-operator-chosen-secret-key-" + "0123456789abcdefghijklmnopqrstuvwxyz"


def _wrapped(patient_id: uuid.UUID) -> bytes:
    return bytes(PatientKey.objects.get(patient_id=patient_id).wrapped_key)


def _unwraps_with(secret: str, patient_id: uuid.UUID) -> bool:
    try:
        keys._open(keys._derive(secret), _wrapped(patient_id), patient_id.bytes)
    except InvalidTag:
        return False
    return True


@pytest.mark.parametrize(
    ("old_secret_key", "new_secret_key"),
    [
        # Nothing configured: the old code derived the KEK from the public default.
        (LEGACY_DEFAULT_SECRET_KEY, "generated-secret-key-" + "0123456789abcdefghijklmnopqrstuvwxyz"),
        # SECRET_KEY set by the operator, PII_MASTER_KEY not: it derived from their SECRET_KEY.
        (CUSTOM_SECRET_KEY, CUSTOM_SECRET_KEY),
    ],
)
def test_legacy_wrapped_keys_unwrap_once_and_are_rewrapped(settings, old_secret_key, new_secret_key) -> None:  # type: ignore[no-untyped-def]
    patient_id = uuid.uuid4()
    # The old scheme, "PII_MASTER_KEY or SECRET_KEY", with PII_MASTER_KEY unset.
    settings.SECRET_KEY = settings.PII_MASTER_KEY = old_secret_key
    keys.create_key(patient_id)
    token = keys.seal_json(patient_id, {"phone": "555-0101"})
    legacy_wrapping = _wrapped(patient_id)

    settings.SECRET_KEY, settings.PII_MASTER_KEY = new_secret_key, NEW_PII_KEY
    assert keys.open_json(patient_id, token) == {"phone": "555-0101"}
    assert _wrapped(patient_id) != legacy_wrapping
    assert _unwraps_with(NEW_PII_KEY, patient_id)
    assert not _unwraps_with(old_secret_key, patient_id)  # the legacy secret no longer matters
    assert keys.open_json(patient_id, token) == {"phone": "555-0101"}


def test_new_keys_do_not_depend_on_secret_key(settings) -> None:  # type: ignore[no-untyped-def]
    patient_id = uuid.uuid4()
    settings.PII_MASTER_KEY = NEW_PII_KEY
    keys.create_key(patient_id)
    token = keys.seal_json(patient_id, {"email": "a@example.org"})
    assert not _unwraps_with(settings.SECRET_KEY, patient_id)
    settings.SECRET_KEY = "a-leaked-and-rotated-secret-key-" + "0123456789abcdefghijklmnopqrstuvwxyz"
    assert keys.open_json(patient_id, token) == {"email": "a@example.org"}


def test_a_key_wrapped_with_an_unknown_secret_names_the_cause(settings) -> None:  # type: ignore[no-untyped-def]
    patient_id = uuid.uuid4()
    stranger = keys._seal(
        keys._derive("some-other-installation-" + "0123456789abcdefghijklmnop"),
        AESGCM.generate_key(bit_length=256),
        patient_id.bytes,
    )
    PatientKey.objects.create(patient_id=patient_id, wrapped_key=stranger)
    with pytest.raises(
        ImproperlyConfigured, match="PII_MASTER_KEY is not the key this database was written with"
    ):
        keys.seal_bytes(patient_id, b"x")
    assert _wrapped(patient_id) == stranger
