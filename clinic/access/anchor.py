"""Signed checkpoints of the access log, kept outside the database.

A checkpoint says "the log had ``seq`` entries and its head hash was ``head``", with the
time, the ACCESS_LOG_KEY id and an HMAC signature. They are appended as JSON lines to
``ACCESS_LOG_ANCHOR_PATH`` (default ``DATA_DIR/access-log-anchors.jsonl``): after every
``ACCESS_LOG_ANCHOR_EVERY``-th entry (after its commit, so a rolled-back entry is never
anchored) and by ``manage.py anchor_access_log`` (run it from cron, e.g. every few
minutes, to bound what a truncation can remove unseen). ``verify_access_log`` checks
that every checkpoint's (seq, head) is still in the table and that the table is not
shorter than the latest checkpoint.

Without the key nobody can write a valid checkpoint; removing lines from the file is
not detectable from the file alone, so copy it somewhere the database's writers cannot
rewrite (another host, an append-only mount, a log shipper) for the strongest guarantee.

``legacy_until``: the last row written before the chain was keyed (0 on installations
that never had unkeyed rows). Migration 0004 records it once, signed, when it finds old
rows; every later checkpoint carries the largest value found in the file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from clinic.access import chain

_SIGNED = ("seq", "head", "legacy_until", "at", "key_id")


class AnchorError(Exception):
    """The checkpoint file is damaged, forged or signed with another key."""


@dataclass(frozen=True, kw_only=True)
class Checkpoint:
    seq: int
    head: str
    legacy_until: int
    at: str
    key_id: str


def path() -> Path:
    return Path(settings.ACCESS_LOG_ANCHOR_PATH)


def _signature(body: dict[str, Any]) -> str:
    return hmac.new(chain.derived_key("checkpoint"), chain.canonical(body), hashlib.sha256).hexdigest()


def _parse(line: str, *, number: int, file: Path) -> Checkpoint | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None  # torn by a crash mid-write: as good as a missing line, nothing more
    try:
        body = {name: data[name] for name in _SIGNED}
        signature = str(data["sig"])
        checkpoint = Checkpoint(**body)
    except (KeyError, TypeError):
        raise AnchorError(f"line {number} of {file} is not a checkpoint") from None
    if not (isinstance(checkpoint.seq, int) and isinstance(checkpoint.legacy_until, int)):
        raise AnchorError(f"line {number} of {file} is not a checkpoint")
    if checkpoint.key_id != chain.key_id():
        raise AnchorError(
            f"checkpoint line {number} of {file} was signed with key {checkpoint.key_id}, not with the "
            f"configured ACCESS_LOG_KEY ({chain.key_id()})"
        )
    if not hmac.compare_digest(signature.encode(), _signature(body).encode()):
        raise AnchorError(f"checkpoint line {number} of {file} was altered: its signature does not match")
    return checkpoint


def read() -> list[Checkpoint]:
    """Every checkpoint in file order; AnchorError at the first line that is not a validly
    signed checkpoint of this key.

    A line that is not JSON at all is a write torn by a crash and is skipped: losing a
    checkpoint is all it can cause, as deleting the line would, while forging or
    altering one needs the key.
    """
    file = path()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    parsed = (_parse(line, number=n, file=file) for n, line in enumerate(text.splitlines(), start=1))
    return [checkpoint for checkpoint in parsed if checkpoint is not None]


def latest() -> Checkpoint | None:
    """The file's last checkpoint, read from its end (torn lines skipped, AnchorError for a line
    that is not a valid checkpoint, as :func:`read`); None for a file without one.

    Checkpoints are written on the request path (every ``ACCESS_LOG_ANCHOR_EVERY``-th read), and the
    file only grows: reading all of it for each new checkpoint cost more with every day in service.
    """
    file = path()
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        return None
    with handle:
        start = handle.seek(0, os.SEEK_END)
        partial = b""  # the start of the line the block before ``start`` will complete
        while start > 0:
            size = min(_TAIL_BLOCK, start)
            start -= size
            handle.seek(start)
            lines = (handle.read(size) + partial).split(b"\n")
            partial = lines.pop(0) if start > 0 else b""
            for raw in reversed(lines):
                if raw.strip():
                    found = _parse_from_end(raw)
                    if found is not None:
                        return found
    return None


_TAIL_BLOCK = 8192


def _parse_from_end(raw: bytes) -> Checkpoint | None:
    try:
        return _parse(raw.decode("utf-8"), number=0, file=path())
    except (AnchorError, UnicodeDecodeError):
        read()  # the same error, with the line's number
        raise AnchorError(f"{path()} ends with a line that is not a checkpoint") from None


def legacy_until(checkpoints: list[Checkpoint]) -> int:
    return max((c.legacy_until for c in checkpoints), default=0)


def write(*, seq: int, head: str, legacy_until_seq: int | None = None) -> Checkpoint:
    """Append one signed checkpoint (one ``write`` on an ``O_APPEND`` descriptor, then fsync).

    ``legacy_until`` is carried from the last checkpoint: each one carries the largest value
    written before it, so the last one holds the largest of the file.
    """
    if legacy_until_seq is None:
        last = latest()
        legacy_until_seq = last.legacy_until if last is not None else 0
    checkpoint = Checkpoint(
        seq=seq,
        head=head,
        legacy_until=legacy_until_seq,
        at=timezone.now().isoformat(),
        key_id=chain.key_id(),
    )
    body = asdict(checkpoint)
    line = json.dumps({**body, "sig": _signature(body)}, sort_keys=True) + "\n"
    file = path()
    file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(file, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = "\n" + line  # close a torn line so this checkpoint parses
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return checkpoint


def seal_legacy_segment(*, seq: int, head: str) -> Checkpoint | None:
    """Sign the head of the unkeyed rows 1..seq once, so later rows must be keyed."""
    if legacy_until(read()) >= seq:
        return None
    return write(seq=seq, head=head, legacy_until_seq=seq)
