"""Verify the access log's hash chain; exit non-zero if any entry was changed, removed or inserted."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from clinic.access.log import verify


class Command(BaseCommand):
    help = "Recompute the access log's hash chain and report the first entry that breaks it."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify()
        if not result.ok:
            raise CommandError(
                f"access log broken at entry {result.first_bad_seq}: {result.reason} "
                f"({result.entries} entries checked)"
            )
        self.stdout.write(self.style.SUCCESS(f"Access log intact: {result.entries} entries verified."))
