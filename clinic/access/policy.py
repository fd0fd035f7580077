"""Who may see a patient: therapists their assigned patients, admins their practice.

Nothing crosses practices. A patient the user may not see is reported as not found
(404), so that ids of other practices' patients leak nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Exists, Q, QuerySet, Subquery

from clinic.projections.models import Assignment, PatientSummary, StaffMember

ADMIN = "admin"
THERAPIST = "therapist"


class NotVisible(Exception):
    """The patient does not exist or the user may not see it; both read as 404."""


class Forbidden(Exception):
    """The user is known and sees the object but may not perform this action (403)."""


def staff_member(user: Any) -> StaffMember | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return StaffMember.objects.filter(user_id=user.pk).first()


def visible_patients(user: Any) -> QuerySet[PatientSummary]:
    """The patients ``user`` may see, as one query: the user's staff row is read by subqueries of
    the patient query rather than by a query of its own first (one round trip less per read)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return PatientSummary.objects.none()
    staff = StaffMember.objects.filter(user_id=user.pk)
    assigned = Assignment.objects.filter(therapist_id=user.pk).values("patient_id")
    # A scalar subquery (not ``practice_id__in``): PostgreSQL then compares practice_id with one
    # value and can read rm_patient_name_idx in caseload order.
    return PatientSummary.objects.filter(practice_id=Subquery(staff.values("practice_id")[:1])).filter(
        Q(Exists(staff.filter(role=ADMIN))) | Q(patient_id__in=assigned)
    )


def can_see(user: Any, patient_id: UUID) -> bool:
    return visible_patients(user).filter(patient_id=patient_id).exists()


def require_admin(user: Any) -> StaffMember:
    staff = staff_member(user)
    if staff is None or staff.role != ADMIN:
        raise Forbidden("only a practice administrator may do this")
    return staff
