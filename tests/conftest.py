"""Shared fixtures.

Tests that need PostgreSQL or Redis ask for the ``postgres`` or ``redis_url`` fixture.
When the service is missing they skip on a laptop but fail under CI=true, so CI can
never pass without exercising the real services.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _missing(what: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is required under CI=true but is not available")
    pytest.skip(f"{what} not available")


@pytest.fixture
def postgres(django_db_blocker: object) -> None:
    """Require the default database to be PostgreSQL."""
    from django.db import connection

    if connection.vendor != "postgresql":
        _missing("PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def redis_url() -> str:
    """The Redis URL from REDIS_URL, checked to answer."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        _missing("Redis (set REDIS_URL)")
    from urllib.parse import urlparse

    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=2):
            pass
    except OSError:
        _missing(f"Redis at {url}")
    return url


@pytest.fixture
def shared_data() -> Path:
    """The project's real test data (videos, motion capture), read in place."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared test data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _analysis_dispatch(settings: object) -> Iterator[None]:
    """Requested analyses run after commit in the committing thread instead of the embedded
    background thread, so a test sees them finished; with a broker they are queued as in
    production. Nudges still in flight are awaited before the test's database goes away."""
    if settings.ANALYSIS_DISPATCH == "thread":  # type: ignore[attr-defined]
        settings.ANALYSIS_DISPATCH = "inline"  # type: ignore[attr-defined]
    yield
    from clinic import dispatch

    dispatch.join_nudges()
    dispatch.embedded.stop()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    """PBKDF2's deliberate slowness buys nothing in tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _forget_kept_reads() -> Iterator[None]:
    """Each test's database is rolled back but the process' memory is not: what the read cache
    kept in one test (keyed on checkpoints a later test may reach again) must not reach another."""
    from clinic import read_cache

    read_cache.clear()
    yield
    read_cache.clear()


@pytest.fixture(autouse=True)
def _access_log_anchor(settings: object, tmp_path: Path) -> None:
    """Each test's access log starts at entry 1, so its checkpoints go to a file of its own."""
    settings.ACCESS_LOG_ANCHOR_PATH = tmp_path / "access-log-anchors.jsonl"  # type: ignore[attr-defined]


@pytest.fixture(scope="session", autouse=True)
def _share_installation_secrets() -> None:
    """Workers and servers started by tests with another DATA_DIR share this database, so
    they must use this process's keys rather than generate their own."""
    from django.conf import settings

    for name in ("SECRET_KEY", "PII_MASTER_KEY", "ACCESS_LOG_KEY"):
        os.environ.setdefault(name, getattr(settings, name))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None) -> Iterator[None]:
    """pytest-django's test databases, plus: close the event store's notifier connection
    before the test database is dropped."""
    yield
    from clinic.eventstore.store import _notifier

    _notifier.stop()
