"""Fixtures for tests that run real pose inference on the shared videos."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA


@pytest.fixture(scope="module")
def shared_videos() -> Path:
    """``../shared/data/videos``, module-scoped so one inference run can serve several tests."""
    videos = SHARED_DATA / "videos"
    if not videos.is_dir():
        pytest.fail(f"shared test videos not found at {videos}")
    return videos
