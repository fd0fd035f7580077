"""What the read side computed, kept while the read models it came from are unchanged.

A chart or a caseload is computed from the read models (a dozen queries and, for a page, the
rendering of its forms: about 20 ms of a server's CPU). Therapists open the same charts many times
between changes, so the result is kept under a key made of the read models' version
(:func:`clinic.projections.version.read_models_version`, one query of a few rows), the date, and
what the caller names (the user, the patient, the query). Nothing is ever invalidated: a new event,
once projected, changes the version and so the key, and the old entry ages out.

What is kept is never a decision on access. Callers check visibility and write the access log on
every request, kept or not (:func:`clinic.selectors.patient_get`, the caseload's log entry), and
the user is part of every key, so one user's result never reaches another.

The key also carries the current minute, so what was computed against the clock (a note that
becomes overdue at a given hour, the time shown beside a signature) is as of this minute.

The cache is each server process' own memory (``CACHES["reads"]``, a local-memory cache): keys
carry the version, so processes need no shared invalidation. ``READ_CACHE_SECONDS`` is how long an
entry stays (a minute: after that its key is no longer asked for); 0 turns the cache off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

from clinic.projections.version import read_models_version

ALIAS = "reads"


def key(*parts: Hashable) -> str:
    """The cache key of ``parts`` at the read models' current version and the current minute."""
    minute = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    text = repr((read_models_version(), minute, *parts))
    return "reads:" + hashlib.sha256(text.encode()).hexdigest()


def get(cache_key: str) -> Any:
    """What was kept under ``cache_key``, or None."""
    if not settings.READ_CACHE_SECONDS:
        return None
    return caches[ALIAS].get(cache_key)


def keep(cache_key: str, value: Any) -> None:
    if settings.READ_CACHE_SECONDS:
        caches[ALIAS].set(cache_key, value, settings.READ_CACHE_SECONDS)


def clear() -> None:
    """Forget everything (tests: their database is rolled back, the process' memory is not)."""
    caches[ALIAS].clear()
