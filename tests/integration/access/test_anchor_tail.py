"""A new checkpoint reads only the end of the checkpoint file, whatever its length.

Checkpoints are written on the request path (every ACCESS_LOG_ANCHOR_EVERY-th read of patient data)
and the file only grows; each one carries ``legacy_until`` from the last checkpoint before it.
"""

from __future__ import annotations

from typing import Any

import pytest

from clinic.access import anchor

HEAD = "ab" * 32


@pytest.mark.parametrize("block", [7, 64, 8192])
def test_legacy_until_is_carried_from_the_last_checkpoint(
    monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(anchor, "_TAIL_BLOCK", block)  # lines cut across blocks in every way
    for seq in range(1, 40):
        anchor.write(seq=seq, head=HEAD, legacy_until_seq=5 if seq == 3 else None)
    assert [c.legacy_until for c in anchor.read()] == [0, 0] + [5] * 37
    assert anchor.latest() == anchor.read()[-1]


def test_writing_a_checkpoint_does_not_read_the_whole_file(monkeypatch: pytest.MonkeyPatch) -> None:
    anchor.write(seq=1, head=HEAD, legacy_until_seq=4)
    for seq in range(2, 200):
        anchor.write(seq=seq, head=HEAD)
    calls: list[Any] = []
    real_read = anchor.read
    monkeypatch.setattr(anchor, "read", lambda: calls.append(1) or real_read())
    written = anchor.write(seq=200, head=HEAD)
    assert (written.legacy_until, calls) == (4, [])


def test_a_torn_last_line_is_skipped(settings: Any) -> None:
    anchor.write(seq=1, head=HEAD, legacy_until_seq=3)
    with settings.ACCESS_LOG_ANCHOR_PATH.open("a") as handle:
        handle.write('{"seq": 2, "head": "')  # a crash in the middle of a write
    assert anchor.latest() is not None and anchor.latest().seq == 1  # type: ignore[union-attr]
    assert anchor.write(seq=2, head=HEAD).legacy_until == 3
    assert [c.seq for c in anchor.read()] == [1, 2]


def test_an_altered_last_line_is_refused(settings: Any) -> None:
    anchor.write(seq=1, head=HEAD)
    text = settings.ACCESS_LOG_ANCHOR_PATH.read_text()
    settings.ACCESS_LOG_ANCHOR_PATH.write_text(text.replace('"seq": 1', '"seq": 9'))
    with pytest.raises(anchor.AnchorError, match=r"line 1 .* was altered"):
        anchor.write(seq=2, head=HEAD)


def test_no_file_no_checkpoint() -> None:
    assert anchor.latest() is None
    assert anchor.write(seq=1, head=HEAD).legacy_until == 0
