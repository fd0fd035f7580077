"""Group commit for appends made outside a transaction: concurrent appends of one process
share one INSERT statement and one commit.

A PostgreSQL commit costs a round trip, a WAL flush and CPU on both sides; with many writers
on few cores that cost, not the disk, limits throughput. Appends that arrive while a batch
is being written wait, then go together in the next batch: one writer (the leader) writes
the batch for all, each append keeping its own expected-version check (a stale one inserts
nothing, the others still commit). Batches hold at most one append per stream, so version
checks inside a batch cannot interfere. If the batch statement fails on a unique index (a
race with another process, or a retried event id), every append of the batch is written on
its own instead, so errors are reported per append exactly as without batching.

The leader writes batches until its own append is done, then hands leadership to the oldest
waiting append, so no writer serves others for long.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Rows = list[tuple[int, int]]  # (version, global_position) per inserted event


@dataclass(eq=False)
class Request:
    stream_id: str
    payload: Any  # what the writer functions need to write this append
    expected_version: int | None
    wake: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    done: bool = False
    inserted: Rows = field(default_factory=list)
    error: BaseException | None = None


class GroupCommit:
    def __init__(self, *, max_batch: int = 64) -> None:
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[Request] = []
        self._leading = False

    def submit(
        self,
        request: Request,
        *,
        write_batch: Callable[[list[Request]], dict[str, Rows]],
        write_one: Callable[[Request], Rows],
        integrity_errors: tuple[type[BaseException], ...],
    ) -> Rows:
        """Write ``request`` (alone or with others) and return its inserted rows ([] if refused)."""
        with self._lock:
            self._queue.append(request)
            request.lead = not self._leading
            self._leading = True
        while not request.lead and not request.done:
            request.wake.wait()
            request.wake.clear()
        if not request.done:
            self._lead(request, write_batch, write_one, integrity_errors)
        if request.error is not None:
            raise request.error
        return request.inserted

    def _take(self) -> list[Request]:
        batch: list[Request] = []
        streams: set[str] = set()
        for waiting in list(self._queue):
            if len(batch) == self.max_batch:
                break
            if waiting.stream_id not in streams:
                streams.add(waiting.stream_id)
                batch.append(waiting)
                self._queue.remove(waiting)
        return batch

    def _lead(
        self,
        own: Request,
        write_batch: Callable[[list[Request]], dict[str, Rows]],
        write_one: Callable[[Request], Rows],
        integrity_errors: tuple[type[BaseException], ...],
    ) -> None:
        try:
            while not own.done:
                with self._lock:
                    batch = self._take()
                if not batch:  # cannot happen while our own request is queued; guard anyway
                    break
                self._write(batch, write_batch, write_one, integrity_errors)
        finally:
            with self._lock:
                if self._queue:
                    successor = self._queue[0]
                    successor.lead = True
                    successor.wake.set()
                else:
                    self._leading = False

    @staticmethod
    def _write(
        batch: list[Request],
        write_batch: Callable[[list[Request]], dict[str, Rows]],
        write_one: Callable[[Request], Rows],
        integrity_errors: tuple[type[BaseException], ...],
    ) -> None:
        try:
            results: dict[str, Rows] | None = write_batch(batch) if len(batch) > 1 else None
        except integrity_errors:
            results = None
        except BaseException as exc:  # the database failed: every append of the batch fails with it
            for request in batch:
                request.error, request.done = exc, True
                request.wake.set()
            return
        for request in batch:
            try:
                request.inserted = (
                    results.get(request.stream_id, []) if results is not None else write_one(request)
                )
            except integrity_errors:
                request.inserted = []
            except BaseException as exc:
                request.error = exc
            request.done = True
            request.wake.set()
