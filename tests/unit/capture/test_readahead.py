"""ReadAhead: items in order, errors where they happened, and a thread that stops when asked."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from capture.readahead import ReadAhead


def test_items_arrive_in_order_and_the_thread_reads_at_most_depth_ahead() -> None:
    produced: list[int] = []

    def numbers() -> Iterator[int]:
        for i in range(10):
            produced.append(i)
            yield i

    with ReadAhead(numbers(), depth=2) as items:
        iterator = iter(items)
        assert next(iterator) == 0
        time.sleep(0.3)  # give the reader time to run ahead as far as it may
        # 0 taken, 1 and 2 queued, 3 produced and waiting for room: never more.
        assert len(produced) <= 4
        assert list(iterator) == list(range(1, 10))


def test_an_error_of_the_iterable_is_raised_in_the_consumer_after_the_items_before_it() -> None:
    def failing() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("the file was cut off")

    seen: list[int] = []
    with ReadAhead(failing()) as items, pytest.raises(OSError, match="cut off"):
        for item in items:
            seen.append(item)
    assert seen == [1, 2]


def test_leaving_early_stops_the_reader_thread() -> None:
    def endless() -> Iterator[int]:
        i = 0
        while True:
            yield i
            i += 1

    reader = ReadAhead(endless(), depth=1)
    with reader as items:
        for item in items:
            if item == 3:
                break
    assert not reader._thread.is_alive()


def test_depth_must_be_positive() -> None:
    with pytest.raises(ValueError, match="depth"):
        ReadAhead([1], depth=0)
