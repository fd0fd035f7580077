"""Errors raised by the event store."""

from __future__ import annotations


class EventStoreError(Exception):
    """Base class for event store errors."""


class ConcurrencyConflict(EventStoreError):
    """The stream moved on since the writer read it: the writer must reload and decide again."""

    def __init__(self, *, stream_id: str, expected_version: int, current_version: int) -> None:
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.current_version = current_version
        super().__init__(
            f"stream {stream_id} is at version {current_version}, not {expected_version} as expected"
        )


class DuplicateEventError(EventStoreError):
    """Some, but not all, of the appended event ids already exist (a retry must resend the same batch)."""
