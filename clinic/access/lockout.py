"""Sign-in lockout (django-axes): when a locked account or address may try again.

Axes counts failed sign-ins per account and per address (``AXES_LOCKOUT_PARAMETERS``) and
refuses every attempt, the right password included, once either count reaches
``AXES_FAILURE_LIMIT`` within the cool-off. Every refused attempt is itself recorded and
restarts the cool-off (axes' default), so "now + cool-off" is exactly when the lock ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.helpers import get_cool_off
from django.utils import timezone


@dataclass(frozen=True, kw_only=True)
class Lockout:
    retry_at: datetime
    retry_after_s: int

    @property
    def minutes(self) -> int:
        """The wait rounded up to whole minutes, at least one."""
        return max(1, math.ceil(self.retry_after_s / 60))

    @property
    def message(self) -> str:
        minutes = self.minutes
        return (
            "Too many failed sign-in attempts for this account or from this address; "
            f"try again after {self.retry_at:%H:%M} ({timezone.get_current_timezone_name()}), "
            f"in {minutes} minute{'s' if minutes != 1 else ''}."
        )


def lockout_for(request: Any) -> Lockout:
    """The lock that refused ``request``, counted from now (see the module docstring)."""
    cool_off = get_cool_off(request) or timedelta(0)
    return Lockout(
        retry_at=timezone.localtime(timezone.now() + cool_off),
        retry_after_s=math.ceil(cool_off.total_seconds()),
    )
