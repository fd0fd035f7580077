"""``manage.py check --deploy``: the installation secrets (clinic/config/secrets.py).

Flags a known or weak SECRET_KEY, PII_MASTER_KEY or ACCESS_LOG_KEY (start-up already
refuses them with DEBUG off; this catches a DEBUG deployment), keys that are equal (the
point of separate keys is that one leaking does not give away the others), and secret
files or their folder that the group or others may read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from clinic.config import secrets


@register(Tags.security, deploy=True)
def check_installation_secrets(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for spec in secrets.SPECS:
        reason = secrets.weakness(getattr(settings, spec.name, ""), min_length_chars=spec.min_length_chars)
        if reason is not None:
            messages.append(
                Error(
                    f"{spec.name} is not safe: {reason}.",
                    hint=f"Set {spec.name} to a long random value, or unset it to use a generated one.",
                    id="clinic.E001",
                )
            )
    if settings.PII_MASTER_KEY == settings.SECRET_KEY:
        messages.append(
            Error(
                "PII_MASTER_KEY equals SECRET_KEY, so a leaked SECRET_KEY unwraps every patient's key.",
                hint="Give PII_MASTER_KEY its own random value (unset it to use a generated one).",
                id="clinic.E002",
            )
        )
    if settings.ACCESS_LOG_KEY in (settings.SECRET_KEY, settings.PII_MASTER_KEY):
        messages.append(
            Error(
                "ACCESS_LOG_KEY equals another key, so leaking that key lets someone rewrite the access log.",
                hint="Give ACCESS_LOG_KEY its own random value (unset it to use a generated one).",
                id="clinic.E003",
            )
        )
    for path in _secret_paths():
        if secrets.too_open(path):
            messages.append(
                Warning(
                    f"{path} may be read by its group or others (mode {path.stat().st_mode & 0o777:o}).",
                    hint=f"chmod {'700' if path.is_dir() else '600'} {path}",
                    id="clinic.W001",
                )
            )
    return messages


def _secret_paths() -> list[Path]:
    folder = Path(settings.SECRETS_DIR)
    paths = [folder, *sorted(folder.iterdir())] if folder.is_dir() else []
    paths += [Path(os.environ[f"{s.name}_FILE"]) for s in secrets.SPECS if os.environ.get(f"{s.name}_FILE")]
    return [p for p in paths if p.exists()]
