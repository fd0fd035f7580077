"""Group commit: every append gets its own outcome, whatever batch it travelled in."""

from __future__ import annotations

import threading
import time

import pytest

from clinic.eventstore.batching import GroupCommit, Request


class Integrity(Exception):
    pass


def test_concurrent_appends_share_batches_and_each_gets_its_rows() -> None:
    group = GroupCommit()
    batches: list[list[str]] = []

    def write_batch(batch: list[Request]) -> dict[str, list[tuple[int, int]]]:
        time.sleep(0.01)  # a commit takes a while: the others queue up meanwhile
        batches.append([r.stream_id for r in batch])
        return {r.stream_id: [(1, hash(r.stream_id))] for r in batch if r.expected_version != 99}

    def write_one(request: Request) -> list[tuple[int, int]]:
        time.sleep(0.01)
        batches.append([request.stream_id])
        return [(1, hash(request.stream_id))]

    results: dict[str, list[tuple[int, int]]] = {}

    def append(i: int) -> None:
        stream = f"s{i}"
        results[stream] = group.submit(
            Request(stream_id=stream, payload=None, expected_version=99 if i == 3 else 0),
            write_batch=write_batch,
            write_one=write_one,
            integrity_errors=(Integrity,),
        )

    threads = [threading.Thread(target=append, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(results) == sorted(f"s{i}" for i in range(12))
    assert sorted(s for b in batches for s in b) == sorted(results)  # each append written exactly once
    assert any(len(b) > 1 for b in batches)  # and some were grouped
    # An append refused inside a batch gets no rows; if it travelled alone it was written.
    alone = any(b == ["s3"] for b in batches)
    assert results["s3"] == ([(1, hash("s3"))] if alone else [])
    assert all(results[f"s{i}"] == [(1, hash(f"s{i}"))] for i in range(12) if i != 3)


def test_a_batch_that_hits_a_unique_index_is_retried_append_by_append() -> None:
    group = GroupCommit()
    requests = [Request(stream_id=f"s{i}", payload=i, expected_version=0) for i in range(3)]
    group._queue.extend(requests[1:])  # two appends already waiting when the third arrives
    group._leading = False

    def write_batch(batch: list[Request]) -> dict[str, list[tuple[int, int]]]:
        raise Integrity("duplicate key")

    def write_one(request: Request) -> list[tuple[int, int]]:
        if request.payload == 1:
            raise Integrity("this one raced")
        return [(1, request.payload)]

    rows = group.submit(
        requests[0], write_batch=write_batch, write_one=write_one, integrity_errors=(Integrity,)
    )
    assert rows == [(1, 0)]
    assert requests[1].done and requests[1].inserted == []  # refused: the caller reports the conflict
    assert requests[2].done and requests[2].inserted == [(1, 2)]
    assert not group._leading and not group._queue


def test_a_database_error_reaches_every_append_of_the_batch() -> None:
    group = GroupCommit()
    waiting = Request(stream_id="b", payload=None, expected_version=0)
    group._queue.append(waiting)

    def write_batch(batch: list[Request]) -> dict[str, list[tuple[int, int]]]:
        raise ConnectionError("server closed the connection")

    with pytest.raises(ConnectionError):
        group.submit(
            Request(stream_id="a", payload=None, expected_version=0),
            write_batch=write_batch,
            write_one=lambda r: [],
            integrity_errors=(Integrity,),
        )
    assert isinstance(waiting.error, ConnectionError) and waiting.done
