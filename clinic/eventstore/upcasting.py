"""Event schema versions and upcasters.

Stored events are never rewritten. When an event's payload schema changes, its class
gets a higher ``schema_version`` and an upcaster that turns a payload of version ``n``
into version ``n + 1``. Upcasters are applied on read, one version at a time, so a
reader always sees the current shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]


class UpcasterRegistry:
    def __init__(self) -> None:
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, event_type: str, from_version: int, upcaster: Upcaster) -> None:
        key = (event_type, from_version)
        if key in self._upcasters and self._upcasters[key] is not upcaster:
            raise ValueError(f"an upcaster for {event_type} v{from_version} is already registered")
        self._upcasters[key] = upcaster

    def register_all(self, upcasters: Mapping[tuple[str, int], Upcaster]) -> None:
        for (event_type, from_version), upcaster in upcasters.items():
            self.register(event_type, from_version, upcaster)

    def upcast(self, event_type: str, schema_version: int, data: Payload) -> tuple[int, Payload]:
        """Apply upcasters until none is registered for the current version."""
        while (event_type, schema_version) in self._upcasters:
            data = self._upcasters[(event_type, schema_version)](dict(data))
            schema_version += 1
        return schema_version, data


registry = UpcasterRegistry()
