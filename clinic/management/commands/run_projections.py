"""Follow the event store and keep every projection up to date (LISTEN/NOTIFY plus polling)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from clinic.projections.runner import follow


class Command(BaseCommand):
    help = "Keep the read models up to date with the event store until interrupted."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--poll-interval", type=float, default=1.0, help="seconds between safety-net polls"
        )
        parser.add_argument("--stop-after", type=float, default=None, help="stop after this many seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Following the event store (Ctrl-C to stop).")
        try:
            follow(poll_interval_s=options["poll_interval"], stop_after_s=options["stop_after"])
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
