"""Keeping native-library chatter (MediaPipe, FFmpeg, OpenCV) off the user's terminal.

Those libraries write notices straight to file descriptor 2, bypassing Python's ``sys.stderr``,
so a command whose error output must be one sentence has to silence them at the descriptor.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

# FFmpeg's own log level inside OpenCV (AV_LOG_QUIET = -8), read when a capture is first opened.
# Decoding problems still surface as our typed VideoError; set the variable yourself to debug.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Silence native notices on file descriptor 2 for the duration of the block.

    Used around model creation, the first inferences and opening a video, where those notices
    appear; set ``CAPTURE_NATIVE_LOGS=1`` to see them. Python exceptions pass through unchanged.
    """
    if os.environ.get("CAPTURE_NATIVE_LOGS") == "1":
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (e.g. captured by a test runner)
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
