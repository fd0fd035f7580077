"""What a projection is: a name, the tables it owns, and one handler per event type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models

from clinic.domain.events import DomainEvent
from clinic.eventstore.store import RecordedEvent

Handler = Callable[[Any, RecordedEvent], None]


class Projection:
    """Subclasses set ``name`` and ``tables`` and define ``on_<EventType>(event, recorded)``."""

    name: str = ""
    tables: tuple[type[models.Model], ...] = ()

    def handles(self, event_type: str) -> bool:
        return hasattr(self, f"on_{event_type}")

    def apply(self, event: DomainEvent, recorded: RecordedEvent) -> None:
        getattr(self, f"on_{recorded.event_type}")(event, recorded)

    def begin_batch(self) -> None:
        """Forget anything buffered by a batch that failed (called once the checkpoint is locked)."""

    def end_batch(self) -> None:
        """Write anything buffered during the batch (called inside the batch's transaction)."""

    def reset(self) -> None:
        for table in self.tables:
            table.objects.all().delete()
