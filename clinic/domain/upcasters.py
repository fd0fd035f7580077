"""Upcasters for older event payloads, keyed by (event type, schema version they read).

Each one turns version n into n + 1; the event store applies them on read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Payload = dict[str, Any]


def patient_registered_v1_to_v2(data: Payload) -> Payload:
    """v1 stored diagnoses as bare ICD-10 codes and had no payer member id."""
    data["diagnoses"] = [
        d if isinstance(d, dict) else {"code": d, "description": ""} for d in data.get("diagnoses", [])
    ]
    data.setdefault("payer_member_id", "")
    return data


UPCASTERS: dict[tuple[str, int], Callable[[Payload], Payload]] = {
    ("PatientRegistered", 1): patient_registered_v1_to_v2,
}
