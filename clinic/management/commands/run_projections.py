"""Follow the event store: keep every projection up to date and dispatch requested analyses."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from clinic import dispatch
from clinic.projections.runner import follow


class Command(BaseCommand):
    help = (
        "Keep the read models up to date with the event store until interrupted; with a broker "
        "(ANALYSIS_DISPATCH=queue) also queue every requested analysis (clinic/dispatch.py)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--poll-interval", type=float, default=1.0, help="seconds between safety-net polls"
        )
        parser.add_argument("--stop-after", type=float, default=None, help="stop after this many seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        queue = dispatch.mode() == "queue"
        self.stdout.write(
            "Following the event store"
            + (" and dispatching analyses to the broker" if queue else "")
            + " (Ctrl-C to stop)."
        )
        try:
            follow(
                poll_interval_s=options["poll_interval"],
                stop_after_s=options["stop_after"],
                also=dispatch.dispatch_to_broker if queue else None,
            )
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
