"""Rebuild every read model from event position 0."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from clinic.projections.handlers import ALL
from clinic.projections.runner import rebuild


class Command(BaseCommand):
    help = "Empty the read models and replay the whole event store into them."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "names", nargs="*", help=f"projections to rebuild (default all: {', '.join(p.name for p in ALL)})"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        known = {p.name: p for p in ALL}
        unknown = [n for n in options["names"] if n not in known]
        if unknown:
            raise CommandError(f"unknown projection {', '.join(unknown)}; known: {', '.join(known)}")
        chosen = [known[n] for n in options["names"]] or list(ALL)
        started = time.perf_counter()
        events = rebuild(chosen)
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {len(chosen)} projections from {events} event applications "
                f"in {time.perf_counter() - started:.1f} s."
            )
        )
