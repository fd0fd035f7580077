"""Per-installation secrets: SECRET_KEY, PII_MASTER_KEY and ACCESS_LOG_KEY.

Each secret is taken from, in order:

1. the environment variable of its name (``SECRET_KEY=...``);
2. the file named by ``<NAME>_FILE`` (container secrets; surrounding whitespace is stripped);
3. ``<secrets_dir>/<name in lower case>``, generated at first start with 48 random bytes
   (64 URL-safe characters) when it does not exist yet.

The three keys are independent, so a leaked SECRET_KEY (which signs sessions and is
seen by every Django component) neither unwraps patient keys nor forges the access log.

Generated files are written to a private temporary file (``mkstemp``: ``O_EXCL``, mode
0600) and published with ``link()``, which fails if the name exists: two processes
starting together both end up reading the one file that won, never a half-written one.
The directory is created with mode 0700.

"Missing" means none of the three sources gives a value and the file cannot be created
(read-only data folder); that refuses to start in every mode. With ``debug`` off a known
or weak value also refuses: a value in :data:`PUBLIC_KEYS`, Django's ``django-insecure-``
prefix, fewer than 5 distinct characters, or shorter than 50 characters (SECRET_KEY,
Django's own ``check_secret_key`` criteria) or 32 characters (the other two keys, so a
base64-encoded 256-bit key is accepted).

No Django imports: the settings module imports this one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# The SECRET_KEY default this repository shipped with until the secrets were generated per
# installation. It is public, so it is refused outside DEBUG; patient keys wrapped with a
# key derived from it still unwrap once (clinic/access/keys.py) and are re-wrapped.
LEGACY_DEFAULT_SECRET_KEY = "embedded-demo-key-change-me-in-production-0123456789"
PUBLIC_KEYS = frozenset({LEGACY_DEFAULT_SECRET_KEY})

# django.core.checks.security.base, copied because this module must not import Django.
INSECURE_PREFIX = "django-insecure-"
MIN_UNIQUE_CHARACTERS = 5

GENERATED_BYTES = 48


@dataclass(frozen=True, kw_only=True)
class SecretSpec:
    name: str
    min_length_chars: int

    @property
    def file_name(self) -> str:
        return self.name.lower()


SPECS = (
    SecretSpec(name="SECRET_KEY", min_length_chars=50),
    SecretSpec(name="PII_MASTER_KEY", min_length_chars=32),
    SecretSpec(name="ACCESS_LOG_KEY", min_length_chars=32),
)


class SecretsError(Exception):
    """A secret is missing or unusable; the message says what to set."""


@dataclass(frozen=True, kw_only=True)
class Secret:
    name: str
    value: str
    # "environment", or the file the value was read from (or generated into).
    source: str
    path: Path | None = None


def weakness(value: str, *, min_length_chars: int) -> str | None:
    """Why ``value`` is not acceptable as a key, or None if it is."""
    if value in PUBLIC_KEYS:
        return "it is the public default that shipped with the source code"
    if value.startswith(INSECURE_PREFIX):
        return f"it starts with {INSECURE_PREFIX!r}, which marks a development key"
    if len(value) < min_length_chars:
        return f"it has fewer than {min_length_chars} characters"
    if len(set(value)) < MIN_UNIQUE_CHARACTERS:
        return f"it has fewer than {MIN_UNIQUE_CHARACTERS} distinct characters"
    return None


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()


def _create(path: Path) -> None:
    """Publish a new random value at ``path`` unless another process already did."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        try:
            os.write(fd, (secrets.token_urlsafe(GENERATED_BYTES) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        # link() fails if the name exists: then another process won the race and its
        # value is the installation's.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


def load(spec: SecretSpec, *, environ: Mapping[str, str], secrets_dir: Path, debug: bool) -> Secret:
    """One secret from the environment, its ``_FILE`` or the secrets folder (generated if absent)."""
    if environ.get(spec.name):
        secret = Secret(name=spec.name, value=environ[spec.name], source="environment")
    elif environ.get(f"{spec.name}_FILE"):
        path = Path(environ[f"{spec.name}_FILE"])
        try:
            secret = Secret(name=spec.name, value=_read(path), source=str(path), path=path)
        except OSError as exc:
            raise SecretsError(
                f"{spec.name}_FILE names {path}, which cannot be read ({exc.strerror}); "
                f"point it at a readable file or set {spec.name}."
            ) from None
    else:
        path = secrets_dir / spec.file_name
        try:
            if not path.exists():
                _create(path)
        except OSError as exc:
            raise SecretsError(
                f"{spec.name} is not set and {path} cannot be created ({exc.strerror}): set "
                f"{spec.name} or {spec.name}_FILE, or make {secrets_dir.parent} writable once so a "
                f"random key is generated."
            ) from None
        try:
            secret = Secret(name=spec.name, value=_read(path), source=str(path), path=path)
        except OSError as exc:
            raise SecretsError(
                f"{path} cannot be read ({exc.strerror}): give this process read access to it, "
                f"or set {spec.name}."
            ) from None
    if not secret.value:
        raise SecretsError(f"{spec.name} from {secret.source} is empty: set it to a long random value.")
    if not debug:
        reason = weakness(secret.value, min_length_chars=spec.min_length_chars)
        if reason is not None:
            raise SecretsError(
                f"{spec.name} from {secret.source} is not safe with DEBUG off because {reason}: "
                f"set {spec.name} to a long random value, or unset it to use a generated one."
            )
    return secret


def load_all(*, environ: Mapping[str, str], secrets_dir: Path, debug: bool) -> dict[str, Secret]:
    """All installation secrets by name (see the module docstring for the sources)."""
    return {spec.name: load(spec, environ=environ, secrets_dir=secrets_dir, debug=debug) for spec in SPECS}


def too_open(path: Path) -> bool:
    """Whether the group or others may read (or, for a folder, enter) ``path``."""
    return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
