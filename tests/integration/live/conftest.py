"""Fixtures for live-capture tests: a Redis channel layer, a visit to record into, fake estimators."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from capture.pose import PersonPose, person_from_arrays


@pytest.fixture
def redis_layer(redis_url: str, settings: Any) -> Iterator[None]:
    """Channels on Redis (a fresh key prefix per test, so parallel runs do not meet)."""
    from channels.layers import channel_layers

    from clinic.config.channel_layer import redis_channel_layer

    settings.CHANNEL_LAYERS = {
        "default": redis_channel_layer(redis_url, prefix=f"test-live-{uuid.uuid4().hex[:8]}")
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def jpeg(width: int = 64, height: int = 48, shade: int = 128) -> bytes:
    image = np.full((height, width, 3), shade, dtype=np.uint8)
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return bytes(data.tobytes())


@dataclass
class ReplayEstimator:
    """Plays back recorded 2D landmarks ``(frames, 33, 3)`` pixels of ``source_size``, rescaled to
    the frame it is given; counts calls and can be slowed down to simulate a heavy model."""

    frames: NDArray[np.float64]
    source_size: tuple[int, int]
    delay_s: float = 0.0
    variant: str = "full"
    calls: int = 0
    timestamps: list[int] = field(default_factory=list)
    threads: set[str] = field(default_factory=set)

    def estimate(self, frame_rgb: NDArray[np.uint8], *, timestamp_ms: int) -> list[PersonPose]:
        self.threads.add(threading.current_thread().name)
        self.timestamps.append(timestamp_ms)
        if self.delay_s:
            time.sleep(self.delay_s)
        source = self.frames[self.calls % len(self.frames)]
        self.calls += 1
        h, w = frame_rgb.shape[:2]
        sw, sh = self.source_size
        normalized = np.column_stack([source[:, 0] / sw, source[:, 1] / sh, source[:, 2] / sw])
        vis = np.full(33, 0.9)
        return [person_from_arrays(normalized, vis, vis, np.zeros((33, 3)), width_px=w, height_px=h)]

    def close(self) -> None:
        pass


@pytest.fixture
def squat_landmarks(shared_data: Path) -> NDArray[np.float64]:
    """MediaPipe's published BlazePose full landmarks of the squat clip (720 x 1280)."""
    path = shared_data / "videos" / "squats_front.reference_blazepose_full_2d.json"
    return np.asarray(json.loads(path.read_text()), dtype=np.float64)
