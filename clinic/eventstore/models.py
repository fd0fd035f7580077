"""The events table.

One row per event. ``global_position`` orders all events; ``(stream_id, version)`` is
unique, which is what turns a concurrent write on a stale version into a conflict.
``tx_id`` is the PostgreSQL transaction id (xid8) of the appending transaction: readers
only read below the transaction horizon, so an event that commits after a later
position was already read is never skipped (see ``store.read_all``). On SQLite, where
writers are serialised by the database lock, ``tx_id`` stays 0.

UPDATE and DELETE are refused by a trigger on PostgreSQL (migration 0002).
"""

from __future__ import annotations

from django.db import models


class StoredEvent(models.Model):
    global_position = models.BigAutoField(primary_key=True)
    stream_id = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    event_id = models.UUIDField(unique=True)
    event_type = models.CharField(max_length=100)
    schema_version = models.PositiveSmallIntegerField(default=1)
    data = models.JSONField()
    metadata = models.JSONField()
    recorded_at = models.DateTimeField()
    tx_id = models.BigIntegerField(default=0)

    class Meta:
        db_table = "eventstore_event"
        constraints = [
            models.UniqueConstraint(fields=["stream_id", "version"], name="eventstore_stream_version_unique"),
        ]
        indexes = [models.Index(fields=["tx_id", "global_position"], name="eventstore_commit_order_idx")]

    def __str__(self) -> str:
        return f"{self.stream_id}@{self.version} {self.event_type}"
