"""Produce the items of an iterable on a background thread, a few ahead of the consumer.

Decoding a frame (OpenCV/FFmpeg) and converting it to RGB release the interpreter lock, so a
reader thread decodes frame ``i + 1`` while the pose model works on frame ``i``. On
``walk_side_two_people.mp4`` (VP9, 1768x994) decoding and conversion take about 2.4 ms of the
~30 ms per frame with ``full``; reading ahead takes them off the critical path.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Generic, Self, TypeVar

T = TypeVar("T")

_POLL_S = 0.1


class _End:
    """Marks the end of the items (``error`` set when the iterable raised)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class ReadAhead(Generic[T]):
    """Iterate over ``items`` (consumed on a background thread, at most ``depth`` ahead).

    Use as a context manager: leaving it stops the thread and waits for it, so whatever the
    iterable reads from can be closed afterwards. An exception raised by the iterable is raised
    again, in the consumer, where its item would have been.
    """

    def __init__(self, items: Iterable[T], *, depth: int = 2) -> None:
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}")
        self._items = items
        self._queue: queue.Queue[T | _End] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="read-ahead", daemon=True)
        self._started = False

    def _produce(self) -> None:
        end = _End()
        try:
            for item in self._items:
                if not self._offer(item):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            end = _End(exc)
        self._offer(end)

    def _offer(self, item: T | _End) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[T]:
        if not self._started:
            self._started = True
            self._thread.start()
        while True:
            item = self._queue.get()
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            yield item

    def close(self) -> None:
        self._stop.set()
        if self._started:
            self._thread.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
