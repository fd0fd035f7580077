"""Print the demo logins."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from clinic.management.commands.load_demo import DEMO


class Command(BaseCommand):
    help = "Print the demo practice's logins."

    def handle(self, *args: Any, **options: Any) -> None:
        demo = json.loads(DEMO.read_text())
        self.stdout.write("\nDemo practice: http://127.0.0.1:8000/  (API docs: /api/docs/)")
        for s in demo["staff"]:
            self.stdout.write(
                f"  {s['role']:<10} {s['username']:<10} password {demo['password']}"
                f"   ({s['first_name']} {s['last_name']}, {s['credentials']})"
            )
        self.stdout.write("")
