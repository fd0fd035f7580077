"""Check the access log against its chain and its signed checkpoints.

Detected, each reported with the first entry that is wrong:

- an edited, inserted or removed row, even if every later hash was recomputed (without
  ACCESS_LOG_KEY the keyed hashes cannot be), and a keyed row rewritten as "legacy";
- rows removed from the end: the table is shorter than the latest checkpoint;
- a row whose hash differs from a checkpoint taken at its position (a rewrite by
  someone who had the key after the checkpoint was written);
- a checkpoint line altered, forged or signed with another key.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from clinic.access import anchor, chain
from clinic.access.models import AccessLogEntry


@dataclass(frozen=True, kw_only=True)
class VerifyResult:
    entries: int
    checkpoints: int
    first_bad_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


def verify(*, since_last_checkpoint: bool = False) -> VerifyResult:
    """Walk the chain (from entry 1, or from the latest checkpoint) and match every checkpoint."""
    try:
        checkpoints = anchor.read()
    except anchor.AnchorError as exc:
        return VerifyResult(entries=0, checkpoints=0, reason=str(exc))
    legacy_until = anchor.legacy_until(checkpoints)
    expected: dict[int, list[anchor.Checkpoint]] = defaultdict(list)
    for checkpoint in checkpoints:
        expected[checkpoint.seq].append(checkpoint)
    latest = max(checkpoints, key=lambda c: c.seq, default=None)

    start_seq, prev_hash = 0, chain.GENESIS
    if since_last_checkpoint and latest is not None:
        start_seq, prev_hash = latest.seq, latest.head
        anchored = AccessLogEntry.objects.filter(seq=latest.seq).values_list("entry_hash", flat=True).first()
        if anchored != latest.head:
            # Only a full walk can name the first bad row.
            return verify(since_last_checkpoint=False)

    count = 0
    last_seq = start_seq
    rows = AccessLogEntry.objects.filter(seq__gt=start_seq).order_by("seq").iterator(chunk_size=2000)
    for entry in rows:
        count += 1
        problem = _problem(entry, prev_hash=prev_hash, expected_seq=last_seq + 1, legacy_until=legacy_until)
        if problem is None:
            problem = next(
                (
                    f"its hash differs from the signed checkpoint of {c.at}"
                    for c in expected.get(entry.seq, ())
                    if c.head != entry.entry_hash
                ),
                None,
            )
        if problem is not None:
            bad_seq = min(entry.seq, last_seq + 1)
            return VerifyResult(
                entries=count, checkpoints=len(checkpoints), first_bad_seq=bad_seq, reason=problem
            )
        prev_hash = entry.entry_hash
        last_seq = entry.seq

    if latest is not None and latest.seq > last_seq:
        return VerifyResult(
            entries=count,
            checkpoints=len(checkpoints),
            first_bad_seq=last_seq + 1,
            reason=(
                f"entries {last_seq + 1} to {latest.seq} were removed: the table ends at entry {last_seq} "
                f"but the signed checkpoint of {latest.at} counted {latest.seq}"
            ),
        )
    return VerifyResult(entries=count, checkpoints=len(checkpoints))


def _problem(entry: AccessLogEntry, *, prev_hash: str, expected_seq: int, legacy_until: int) -> str | None:
    if entry.seq != expected_seq:
        return f"entry {expected_seq} is missing"
    if entry.prev_hash != prev_hash:
        return "it does not chain from the previous entry"
    keyed = entry.seq > legacy_until
    if chain.entry_hash(entry, prev_hash=prev_hash, keyed=keyed) != entry.entry_hash:
        hint = " (or ACCESS_LOG_KEY is not the key it was written with)" if keyed else ""
        return f"its content does not match its hash{hint}"
    return None
