"""Start-up with the per-installation secrets, in fresh processes (settings load once per process)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from clinic.config.secrets import LEGACY_DEFAULT_SECRET_KEY

REPO = Path(__file__).resolve().parents[3]
PRINT_KEYS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SECRET_KEY, s.PII_MASTER_KEY, s.ACCESS_LOG_KEY)"
)


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("SECRET_KEY", "PII_MASTER_KEY", "ACCESS_LOG_KEY", "DATABASE_URL", "REDIS_URL", "DEBUG")
        )
    }
    return {**env, "DJANGO_SETTINGS_MODULE": "clinic.config.settings", "DATA_DIR": str(data_dir), **extra}


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_without_keys_and_debug_off_a_private_random_key_is_generated_once(tmp_path: Path) -> None:
    first = _run(_env(tmp_path, DEBUG="false"), "-c", PRINT_KEYS)
    assert first.returncode == 0, first.stderr[-2000:]
    secret_key, pii_master_key, access_log_key = first.stdout.split()
    stored = tmp_path / "secrets" / "secret_key"
    assert stored.read_text().strip() == secret_key
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert len({secret_key, pii_master_key, access_log_key, LEGACY_DEFAULT_SECRET_KEY}) == 4
    again = _run(_env(tmp_path, DEBUG="false"), "-c", PRINT_KEYS)
    assert again.stdout.split() == [secret_key, pii_master_key, access_log_key]


def test_the_public_default_key_refuses_to_start_with_debug_off(tmp_path: Path) -> None:
    refused = _run(_env(tmp_path, DEBUG="false", SECRET_KEY=LEGACY_DEFAULT_SECRET_KEY), "-c", PRINT_KEYS)
    assert refused.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY from environment is not safe with DEBUG off" in refused.stderr
    assert "public default" in refused.stderr
    # The laptop convenience stays: DEBUG on starts with it (and check --deploy flags it).
    assert (
        _run(_env(tmp_path, DEBUG="true", SECRET_KEY=LEGACY_DEFAULT_SECRET_KEY), "-c", PRINT_KEYS).returncode
        == 0
    )


def test_a_key_file_that_cannot_be_read_refuses_to_start(tmp_path: Path) -> None:
    refused = _run(_env(tmp_path, PII_MASTER_KEY_FILE=str(tmp_path / "absent")), "-c", PRINT_KEYS)
    assert refused.returncode != 0
    assert f"ImproperlyConfigured: PII_MASTER_KEY_FILE names {tmp_path / 'absent'}, which cannot be read" in (
        refused.stderr
    )


def test_check_deploy_flags_known_shared_and_exposed_keys(tmp_path: Path) -> None:
    env = _env(
        tmp_path, DEBUG="true", SECRET_KEY=LEGACY_DEFAULT_SECRET_KEY, PII_MASTER_KEY=LEGACY_DEFAULT_SECRET_KEY
    )
    assert _run(env, "-c", PRINT_KEYS).returncode == 0  # generates the access-log key file
    (tmp_path / "secrets" / "access_log_key").chmod(0o644)
    report = _run(env, "manage.py", "check", "--deploy")
    assert report.returncode != 0
    output = report.stderr + report.stdout
    assert "clinic.E001" in output and "SECRET_KEY is not safe: it is the public default" in output
    assert "clinic.E002" in output and "PII_MASTER_KEY equals SECRET_KEY" in output
    assert "clinic.W001" in output and f"{tmp_path / 'secrets' / 'access_log_key'} may be read" in output


def test_check_deploy_is_quiet_about_generated_secrets(tmp_path: Path) -> None:
    report = _run(_env(tmp_path, DEBUG="false"), "manage.py", "check", "--deploy")
    assert "clinic." not in report.stderr + report.stdout
