"""Who is acting, and which roles may write clinical content.

Clinics separate the clinical record from its administration: only a clinician (a staff member
in the ``therapist`` role who holds credentials, e.g. "PT, DPT") writes and signs clinical content
(notes, goals, measurements, amendments, plans of care and their physician certification, reviews
of machine values, uploads and recordings). An administrator reads, exports and manages staff and
assignments. A ``system`` actor (a background task) may only continue what a clinician started,
such as the analysis of a clinician's recording.

Commands carry the :class:`Actor`; :func:`clinic.domain.decide.decide_patient` applies the rule
before any decision, so every adapter (pages, API, tasks, commands) meets the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinic.domain.errors import NotPermitted

THERAPIST = "therapist"
ADMIN = "admin"
SYSTEM = "system"
STAFF_ROLES = (THERAPIST, ADMIN)


@dataclass(frozen=True, kw_only=True)
class Actor:
    """The person (or task) a command is decided for: their user id, role, name and credentials."""

    user_id: int | None
    role: str
    name: str = ""
    credentials: str = ""

    @property
    def is_clinician(self) -> bool:
        return self.role == THERAPIST and bool(self.credentials.strip())

    @property
    def signature(self) -> str:
        """The name and credentials a signature shows ("Alex Morgan, PT, DPT")."""
        return ", ".join(part for part in (self.name, self.credentials) if part)


def system_actor(name: str) -> Actor:
    """A background task acting on behalf of the record (``name`` such as ``task:recording``)."""
    return Actor(user_id=None, role=SYSTEM, name=name)


def require_clinician(actor: Actor | None, *, what: str, allow_system: bool = False) -> Actor:
    """``actor`` if they may write ``what`` (clinical content); NotPermitted otherwise."""
    if actor is None:
        raise NotPermitted(f"{what} needs a clinician; the request names no one", code="actor_missing")
    if allow_system and actor.role == SYSTEM:
        return actor
    if actor.role != THERAPIST:
        raise NotPermitted(
            f"only a clinician (a therapist with credentials) may {what}; "
            f"an {actor.role if actor.role != SYSTEM else 'automated task'} may read and export the record",
            code="not_clinician",
        )
    if not actor.credentials.strip():
        raise NotPermitted(
            f"only a clinician with credentials may {what}; ask an administrator to record your "
            "credentials (e.g. PT, DPT) first",
            code="no_credentials",
        )
    return actor
