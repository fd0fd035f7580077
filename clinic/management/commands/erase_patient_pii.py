"""Crypto-shred a patient's personal data: destroy their key and record the erasure as an event."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from clinic.access.policy import Forbidden, NotVisible
from clinic.domain.errors import DomainError
from clinic.services.patients import patient_erase_pii


class Command(BaseCommand):
    help = "Erase a patient's contact details and stored video by destroying the patient's key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("patient_id", help="the patient's id (UUID)")
        parser.add_argument(
            "--as", dest="admin", required=True, help="username of the practice administrator"
        )
        parser.add_argument("--reason", required=True, help="why (for example: patient's erasure request)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            patient_id = UUID(options["patient_id"])
        except ValueError:
            raise CommandError(f"{options['patient_id']!r} is not a patient id") from None
        admin = get_user_model().objects.filter(username=options["admin"]).first()
        if admin is None:
            raise CommandError(f"no user called {options['admin']!r}")
        try:
            written = patient_erase_pii(user=admin, patient_id=patient_id, reason=options["reason"])
        except NotVisible:
            raise CommandError(f"patient {patient_id} not found in {admin.username}'s practice") from None
        except (Forbidden, DomainError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Erased: the key of patient {patient_id} is destroyed (record version {written.version})."
            )
        )
