"""Append a signed checkpoint of the access log's head to ACCESS_LOG_ANCHOR_PATH."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from clinic.access import anchor
from clinic.access.models import AccessLogEntry
from clinic.access.verify import verify


class Command(BaseCommand):
    help = (
        "Check the entries written since the latest checkpoint, then sign the current count and head "
        "hash into ACCESS_LOG_ANCHOR_PATH (run it periodically, e.g. from cron)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # Anchoring a tampered head would bless the tampering: check what is new first.
        result = verify(since_last_checkpoint=True)
        if not result.ok:
            where = (
                f"at entry {result.first_bad_seq}"
                if result.first_bad_seq is not None
                else "in its checkpoints"
            )
            raise CommandError(f"not anchored: access log broken {where}: {result.reason}")
        head = AccessLogEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
        if head is None:
            self.stdout.write("Access log is empty: nothing to anchor.")
            return
        latest = max(anchor.read(), key=lambda c: c.seq, default=None)
        if latest is not None and latest.seq == head[0]:
            self.stdout.write(
                f"Access log unchanged since the checkpoint of {latest.at} ({head[0]} entries)."
            )
            return
        checkpoint = anchor.write(seq=head[0], head=head[1])
        self.stdout.write(
            self.style.SUCCESS(f"Anchored {checkpoint.seq} entries at {checkpoint.at} in {anchor.path()}.")
        )
