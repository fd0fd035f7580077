"""Load the demo practice by replaying its commands through the services."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from clinic import selectors
from clinic.management import demo_outcomes
from clinic.projections.models import PracticeView
from clinic.services import goals, patients, practices, visits
from clinic.services.computed_analyses import analysis_record_computed

DEMO = Path(settings.BASE_DIR) / "fixtures" / "demo_practice.json"
# Who certified each demo plan of care, kept beside the practice (see its "_about").
CERTIFICATIONS = Path(settings.BASE_DIR) / "fixtures" / "demo_certifications.json"
#: Outcome-test analyses shown on the demo's visit pages (fixtures/make_demo_outcome_tests.py).
OUTCOME_TESTS = Path(settings.BASE_DIR) / "fixtures" / "demo_outcome_tests.json"


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
        self._validation_report()

    def _validation_report(self) -> None:
        """A first validation report for the Validation page, from the bundled reference data's
        quick cases (markers and reference landmarks; the video cases take minutes)."""
        if selectors.validation_report() is not None:
            return
        if not Path(settings.VALIDATION_DATA_DIR).is_dir():
            self.stdout.write(
                f"No validation report: the reference data is not at {settings.VALIDATION_DATA_DIR} "
                "(set VALIDATION_DATA_DIR, then run manage.py validate)."
            )
            return
        call_command("validate", "--no-video", stdout=self.stdout, stderr=self.stderr)


def load(demo: dict[str, Any], *, today: date) -> dict[str, int]:
    practice_id = practices.practice_open(
        name=demo["practice"], address=demo.get("practice_address", ""), npi=demo.get("practice_npi", "")
    )
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
            npi=s.get("npi", ""),
            licence=s.get("licence", ""),
        )
        users[s["username"]] = get_user_model().objects.get(pk=user_id)
    visit_count = 0
    outcomes = demo_outcomes.load_outcomes()
    certifications = json.loads(CERTIFICATIONS.read_text())
    loaded: dict[str, tuple[Any, list[Any]]] = {}
    for p in demo["patients"]:
        loaded[p["family_name"]] = _load_patient(
            p, user=users[p["therapist"]], today=today, outcomes=outcomes, certifications=certifications
        )
        visit_count += len(p["visits"])
    if OUTCOME_TESTS.exists():
        for a in json.loads(OUTCOME_TESTS.read_text()):
            if a["family_name"] not in loaded or a["visit"] >= len(loaded[a["family_name"]][1]):
                continue  # a part of the demo (tests replay a few patients and visits)
            pid, visit_ids = loaded[a["family_name"]]
            analysis_record_computed(
                patient_id=pid, visit_id=visit_ids[a["visit"]], config=a["config"], metrics=a["metrics"],
                withheld=a["withheld"], summary=a["summary"], software_version="demo",
            )  # fmt: skip
    return {"patients": len(demo["patients"]), "visits": visit_count}


def _load_patient(
    p: dict[str, Any], *, user: Any, today: date, outcomes: dict[str, Any], certifications: dict[str, Any]
) -> tuple[Any, list[Any]]:
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

    npi = certifications["physicians"].get(p["referring_physician"], "")
    awaiting = p["family_name"] in certifications["awaiting_current_plan"]

    def physician(plan: dict[str, Any]) -> dict[str, Any]:
        """The plan's certification as received, or nothing for a current plan still awaited."""
        if not npi or (awaiting and plan is p["plans"][-1]):
            return {}
        received = min(day(plan["start"] + certifications["received_after_days"]), today)
        return {
            "physician_name": p["referring_physician"],
            "physician_npi": npi,
            "certification_received_on": received,
        }

    def certify(plan: dict[str, Any], version: int) -> int:
        return patients.plan_of_care_establish(
            **physician(plan),
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
    goal_ids: list[Any] = []
    due_days: list[int] = []
    in_force_end = None  # the end of the plan of care in force (not yet ended today), in days from today
    visit_ids = []
    for index, v in enumerate(p["visits"]):
        while plans and plans[0]["start"] <= v["day"]:
            plan = plans.pop(0)
            version = certify(plan, version)
            in_force_end = plan["end"] if plan["end"] >= 0 else None
            # A goal is due within the plan of care in force: a recertification that ends before a
            # goal's due date brings the goal within it (the history is replayed on today's date,
            # so only plans that have not ended yet are in force).
            for i, (goal_id, g) in enumerate(
                zip(goal_ids, p["goals"], strict=False)
            ):  # none before the first visit
                if due_days[i] > plan["end"] >= 0:
                    due_days[i] = plan["end"]
                    version = goals.goal_revise(
                        user=user,
                        patient_id=pid,
                        goal_id=goal_id,
                        target=g["target"],
                        comparator=g["comparator"],
                        due_date=day(plan["end"]),
                        description="",
                        reason="Due by the end of the recertified plan of care",
                        expected_version=version,
                    ).version
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
        if v.get("procedures"):
            version = visits.visit_procedures_record(
                user=user,
                patient_id=pid,
                visit_id=visit.id,
                procedures=[(code, minutes) for code, minutes in v["procedures"]],
                expected_version=version,
            ).version
        for m in v["measurements"]:
            version = visits.measurement_record(
                user=user,
                patient_id=pid,
                visit_id=visit.id,
                metric=m["metric"],
                value=m["value"],
                # Pain is the patient's own rating; the other values come from the visit's video.
                method="patient-reported" if m["metric"] == "pain_nprs" else "video",
                expected_version=version,
            ).version
        if index == 0:
            for g in p["goals"]:
                due_day = g["due_day"] if in_force_end is None else min(g["due_day"], in_force_end)
                written = goals.goal_set(
                    user=user,
                    patient_id=pid,
                    metric=g["metric"],
                    baseline=g["baseline"],
                    target=g["target"],
                    comparator=g["comparator"],
                    due_date=day(due_day),
                    baseline_visit_id=visit.id,
                    expected_version=version,
                )
                goal_ids.append(written.id)
                due_days.append(due_day)
                version = written.version
        version = demo_outcomes.record_at_visit(
            outcomes.get(p["family_name"]), index=index, user=user, patient_id=pid, visit_id=visit.id,
            day=day, version=version, due_by_day=in_force_end,
        )  # fmt: skip
        if v["sign"]:
            version = visits.visit_note_sign(
                user=user, patient_id=pid, visit_id=visit.id, attest=True, expected_version=version
            ).version
    for plan in plans:
        version = certify(plan, version)
    if p["discharge"]:
        summary = p["discharge"]
        patients.patient_discharge(
            user=user,
            patient_id=pid,
            discharged_on=day(p["visits"][-1]["day"]),
            reason=summary["reason"],
            goal_outcomes=[
                (goal_id, o["status"], o["comment"])
                for goal_id, o in zip(goal_ids, summary.get("goal_outcomes", []), strict=True)
            ],
            recommendations=summary.get("recommendations", ""),
            home_programme=summary.get("home_programme", ""),
            expected_version=version,
        )
    return pid, visit_ids
