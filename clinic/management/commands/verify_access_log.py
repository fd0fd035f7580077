"""Verify the access log's chain and signed checkpoints; exit non-zero at the first entry that fails."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from clinic.access.verify import verify


class Command(BaseCommand):
    help = (
        "Recompute the access log's HMAC chain, match it against the signed checkpoints in "
        "ACCESS_LOG_ANCHOR_PATH, and report the first entry that was changed, inserted or removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify()
        if not result.ok:
            where = (
                f"at entry {result.first_bad_seq}"
                if result.first_bad_seq is not None
                else "in its checkpoints"
            )
            raise CommandError(
                f"access log broken {where}: {result.reason} ({result.entries} entries checked)"
            )
        anchored = (
            f"{result.checkpoints} checkpoints matched"
            if result.checkpoints
            else "no checkpoints yet, so removed trailing entries cannot be detected (run anchor_access_log)"
        )
        self.stdout.write(
            self.style.SUCCESS(f"Access log intact: {result.entries} entries verified, {anchored}.")
        )
