"""Load the demo practice by replaying its commands through the services."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from clinic.projections.models import PracticeView
from clinic.services import goals, patients, practices, visits
from clinic.services.computed_analyses import analysis_record_computed

DEMO = Path(settings.BASE_DIR) / "fixtures" / "demo_practice.json"
#: Outcome-test analyses shown on the demo's visit pages (fixtures/make_demo_outcomes.py).
OUTCOMES = Path(settings.BASE_DIR) / "fixtures" / "demo_outcomes.json"


class Command(BaseCommand):
    help = "Load the demo practice (therapists, an administrator, patients with months of visits)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing if a practice already exists")
        parser.add_argument("--file", default=str(DEMO))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and PracticeView.objects.exists():
            self.stdout.write("Demo practice already loaded.")
            return
        demo = json.loads(Path(options["file"]).read_text())
        summary = load(demo, today=date.today())
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {demo['practice']}: {summary['patients']} patients, {summary['visits']} visits."
            )
        )


def load(demo: dict[str, Any], *, today: date) -> dict[str, int]:
    practice_id = practices.practice_open(name=demo["practice"])
    users = {}
    for s in demo["staff"]:
        user_id = practices.staff_add(
            practice_id=practice_id,
            username=s["username"],
            password=demo["password"],
            role=s["role"],
            first_name=s["first_name"],
            last_name=s["last_name"],
            credentials=s["credentials"],
        )
        users[s["username"]] = get_user_model().objects.get(pk=user_id)
    visit_count = 0
    loaded: dict[str, tuple[Any, list[Any]]] = {}
    for p in demo["patients"]:
        loaded[p["family_name"]] = _load_patient(p, user=users[p["therapist"]], today=today)
        visit_count += len(p["visits"])
    if OUTCOMES.exists():
        for a in json.loads(OUTCOMES.read_text()):
            pid, visit_ids = loaded[a["family_name"]]
            analysis_record_computed(
                patient_id=pid, visit_id=visit_ids[a["visit"]], config=a["config"], metrics=a["metrics"],
                withheld=a["withheld"], summary=a["summary"], software_version="demo",
            )  # fmt: skip
    return {"patients": len(demo["patients"]), "visits": visit_count}


def _load_patient(p: dict[str, Any], *, user: Any, today: date) -> tuple[Any, list[Any]]:
    """Replay one patient; returns the patient id and the visit ids in order."""

    def day(offset: int) -> date:
        return today + timedelta(days=offset)

    written = patients.patient_register(
        user=user,
        given_name=p["given_name"],
        family_name=p["family_name"],
        date_of_birth=date.fromisoformat(p["date_of_birth"]),
        sex=p["sex"],
        diagnoses=[tuple(d) for d in p["diagnoses"]],
        referring_physician=p["referring_physician"],
        payer=p["payer"],
        payer_member_id=p["payer_member_id"],
        contact=p["contact"],
    )
    pid, version = written.id, written.version

    def certify(plan: dict[str, Any], version: int) -> int:
        return patients.plan_of_care_establish(
            user=user,
            patient_id=pid,
            certification_start=day(plan["start"]),
            certification_end=day(plan["end"]),
            frequency_per_week=plan["frequency_per_week"],
            duration_weeks=plan["duration_weeks"],
            interventions=plan["interventions"],
            expected_version=version,
        ).version

    plans = list(p["plans"])
    visit_ids = []
    for index, v in enumerate(p["visits"]):
        while plans and plans[0]["start"] <= v["day"]:
            version = certify(plans.pop(0), version)
        visit = visits.visit_record(
            user=user,
            patient_id=pid,
            visit_type=v["type"],
            visit_date=day(v["day"]),
            expected_version=version,
        )
        visit_ids.append(visit.id)
        version = visits.visit_note_write(
            user=user, patient_id=pid, visit_id=visit.id, expected_version=visit.version, **v["note"]
        ).version
        for m in v["measurements"]:
            version = visits.measurement_record(
                user=user,
                patient_id=pid,
                visit_id=visit.id,
                metric=m["metric"],
                value=m["value"],
                method="video",
                expected_version=version,
            ).version
        if index == 0:
            for g in p["goals"]:
                version = goals.goal_set(
                    user=user,
                    patient_id=pid,
                    metric=g["metric"],
                    baseline=g["baseline"],
                    target=g["target"],
                    comparator=g["comparator"],
                    due_date=day(g["due_day"]),
                    baseline_visit_id=visit.id,
                    expected_version=version,
                ).version
        if v["sign"]:
            version = visits.visit_note_sign(
                user=user, patient_id=pid, visit_id=visit.id, expected_version=version
            ).version
    for plan in plans:
        version = certify(plan, version)
    if p["discharge"]:
        patients.patient_discharge(
            user=user,
            patient_id=pid,
            discharged_on=day(p["visits"][-1]["day"]),
            reason=p["discharge"]["reason"],
            expected_version=version,
        )
    return pid, visit_ids
