"""Practice services: open a practice, add staff (Django users with a role)."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import transaction

from clinic.access.policy import require_admin
from clinic.domain import commands as c
from clinic.domain.practice import PracticeState, decide, evolve
from clinic.services.streams import execute, practice_stream


def practice_open(*, name: str, address: str = "", npi: str = "") -> UUID:
    """Open a practice; its address and NPI print on every document as the billing provider."""
    practice_id = uuid.uuid4()
    execute(
        practice_stream(practice_id),
        c.OpenPractice(practice_id=practice_id, name=name, address=address, npi=npi),
        evolve=evolve,
        initial=PracticeState(),
        decide=decide,
        expected_version=0,
    )
    return practice_id


def staff_add(
    *,
    practice_id: UUID,
    username: str,
    password: str,
    role: str,
    first_name: str,
    last_name: str,
    credentials: str = "",
    npi: str = "",
    licence: str = "",
) -> int:
    """Create the Django user and record that they joined the practice in ``role``."""
    with transaction.atomic():
        user = get_user_model().objects.create_user(
            username=username, password=password, first_name=first_name, last_name=last_name
        )
        execute(
            practice_stream(practice_id),
            c.AddStaffMember(
                user_id=user.pk,
                role=role,
                display_name=f"{first_name} {last_name}".strip(),
                credentials=credentials,
                npi=npi,
                licence=licence,
            ),
            evolve=evolve,
            initial=PracticeState(),
            decide=decide,
            expected_version=None,
        )
    return int(user.pk)


def practice_billing_details_set(*, user: Any, address: str, npi: str) -> None:
    """Set the address and NPI the practice's documents name as billing provider (admin only)."""
    staff = require_admin(user)
    execute(
        practice_stream(staff.practice_id),
        c.SetPracticeBillingDetails(address=address, npi=npi),
        evolve=evolve,
        initial=PracticeState(),
        decide=decide,
        expected_version=None,
    )
