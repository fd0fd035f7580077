"""The live page's browser tests: each test gets its own server (``make run``'s, embedded) with an
empty data directory, as a therapist would find it after the README's two commands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.embedded_server import Served, served


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Served]:
    with served(tmp_path) as server:
        yield server
