"""Per-installation secrets (clinic/config/secrets.py): sources, generation, refusal."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from clinic.config import secrets

SECRET_KEY = secrets.SPECS[0]
STRONG = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP"


def test_a_missing_key_is_generated_private_and_stable(tmp_path: Path) -> None:
    folder = tmp_path / "secrets"
    first = secrets.load(SECRET_KEY, environ={}, secrets_dir=folder, debug=False)
    second = secrets.load(SECRET_KEY, environ={}, secrets_dir=folder, debug=False)
    assert first.value == second.value
    assert secrets.weakness(first.value, min_length_chars=50) is None
    assert first.path == folder / "secret_key"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == ["secret_key"]  # no temporary file left behind


def test_each_installation_and_each_key_gets_its_own_value(tmp_path: Path) -> None:
    one = secrets.load_all(environ={}, secrets_dir=tmp_path / "a", debug=False)
    other = secrets.load_all(environ={}, secrets_dir=tmp_path / "b", debug=False)
    values = [s.value for s in one.values()]
    assert len(set(values)) == 3
    assert not set(values) & {s.value for s in other.values()}


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    folder = tmp_path / "secrets"
    program = (
        "import sys, pathlib; from clinic.config import secrets; "
        "print(secrets.load(secrets.SPECS[0], environ={}, secrets_dir=pathlib.Path(sys.argv[1]), debug=False).value)"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", program, str(folder)], stdout=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    values = {p.communicate(timeout=60)[0].strip() for p in processes}
    assert len(values) == 1 and values == {(folder / "secret_key").read_text().strip()}


def test_the_environment_wins_then_the_file_variable(tmp_path: Path) -> None:
    given = tmp_path / "given"
    given.write_text(STRONG + "-from-file\n")
    from_env = secrets.load(
        SECRET_KEY, environ={"SECRET_KEY": STRONG}, secrets_dir=tmp_path / "s", debug=False
    )
    from_file = secrets.load(
        SECRET_KEY, environ={"SECRET_KEY_FILE": str(given)}, secrets_dir=tmp_path / "s", debug=False
    )
    assert (from_env.value, from_env.source) == (STRONG, "environment")
    assert from_file.value == STRONG + "-from-file"
    assert not (tmp_path / "s").exists()  # nothing generated when a key was given


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (secrets.LEGACY_DEFAULT_SECRET_KEY, "public default"),
        ("django-insecure-" + "x1y2z3" * 10, "django-insecure-"),
        ("short-but-varied-123", "fewer than 50 characters"),
        ("ab" * 40, "fewer than 5 distinct characters"),
    ],
)
def test_known_or_weak_keys_are_refused_with_debug_off(tmp_path: Path, value: str, why: str) -> None:
    with pytest.raises(secrets.SecretsError, match=why):
        secrets.load(SECRET_KEY, environ={"SECRET_KEY": value}, secrets_dir=tmp_path, debug=False)
    assert (
        secrets.load(SECRET_KEY, environ={"SECRET_KEY": value}, secrets_dir=tmp_path, debug=True).value
        == value
    )


def test_a_weak_generated_file_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text(secrets.LEGACY_DEFAULT_SECRET_KEY)
    with pytest.raises(secrets.SecretsError, match=str(tmp_path / "secret_key")):
        secrets.load(SECRET_KEY, environ={}, secrets_dir=tmp_path, debug=False)


def test_missing_means_nothing_given_and_nothing_can_be_created(tmp_path: Path) -> None:
    # A data "folder" that is a file: the secrets folder cannot be created, even as root.
    data_dir = tmp_path / "data"
    data_dir.write_text("")
    with pytest.raises(secrets.SecretsError, match="set SECRET_KEY or SECRET_KEY_FILE"):
        secrets.load(SECRET_KEY, environ={}, secrets_dir=data_dir / "secrets", debug=True)
    with pytest.raises(secrets.SecretsError, match=r"SECRET_KEY_FILE names .* cannot be read"):
        secrets.load(
            SECRET_KEY, environ={"SECRET_KEY_FILE": str(tmp_path / "nope")}, secrets_dir=tmp_path, debug=True
        )
