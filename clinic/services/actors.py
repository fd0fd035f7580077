"""The domain's :class:`~clinic.domain.roles.Actor` of a signed-in user: their staff record's role,
name and credentials (a user with no staff record acts with no role and is refused clinical work)."""

from __future__ import annotations

from typing import Any

from clinic.domain.roles import Actor
from clinic.projections.models import StaffMember


def actor_of(user: Any) -> Actor:
    staff = StaffMember.objects.filter(user_id=user.pk).first()
    if staff is None:
        return Actor(user_id=user.pk, role="", name=user.get_full_name() or user.username)
    return Actor(user_id=user.pk, role=staff.role, name=staff.display_name, credentials=staff.credentials)


def is_clinician(user: Any) -> bool:
    """Whether the pages offer ``user`` clinical forms (the domain decides either way)."""
    return bool(getattr(user, "is_authenticated", False)) and actor_of(user).is_clinician
