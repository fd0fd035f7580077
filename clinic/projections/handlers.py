"""The projections: practice directory, caseload, timeline, goals, visits, Medicare counters.

Each handler only applies what an event says (no validation: events are facts) and must
be deterministic, so that a rebuild from position 0 equals incremental processing.
"""

from __future__ import annotations

import threading

from django.db.models import F

from clinic.domain import events as ev
from clinic.domain.goals import achievement_after
from clinic.domain.patients import GoalState, legacy_measurement_id
from clinic.domain.progress import progress_percent
from clinic.domain.reviews import STATUS_OF_DECISION
from clinic.domain.vocabulary import REPORTING_VISIT_TYPES, GoalAchievement, VisitType
from clinic.domain.worklist import next_visit_due
from clinic.eventstore.store import RecordedEvent
from clinic.projections import models as rm
from clinic.projections.base import Projection
from clinic.projections.timeline import PATIENT_EVENTS, TimelineProjection


class DirectoryProjection(Projection):
    name = "directory"
    tables = (rm.PracticeView, rm.StaffMember)

    def on_PracticeOpened(self, e: ev.PracticeOpened, r: RecordedEvent) -> None:
        rm.PracticeView.objects.create(practice_id=e.practice_id, name=e.name, address=e.address, npi=e.npi)

    def on_PracticeBillingDetailsChanged(self, e: ev.PracticeBillingDetailsChanged, r: RecordedEvent) -> None:
        rm.PracticeView.objects.filter(practice_id=e.practice_id).update(address=e.address, npi=e.npi)

    def on_StaffMemberJoined(self, e: ev.StaffMemberJoined, r: RecordedEvent) -> None:
        rm.StaffMember.objects.update_or_create(
            user_id=e.user_id,
            defaults={
                "practice_id": e.practice_id,
                "role": e.role,
                "display_name": e.display_name,
                "credentials": e.credentials,
                "npi": e.npi,
                "licence": e.licence,
            },
        )


class CaseloadProjection(Projection):
    """Patients with their status and stream version, and who they are assigned to."""

    name = "caseload"
    tables = (rm.PatientSummary, rm.Assignment)

    def __init__(self) -> None:
        # Only a patient's last version in a batch matters: one UPDATE per patient per batch.
        # Thread-local because web threads and the worker share this instance.
        self._local = threading.local()

    @property
    def _versions(self) -> dict[object, int]:
        if not hasattr(self._local, "versions"):
            self._local.versions = {}
        versions: dict[object, int] = self._local.versions
        return versions

    def begin_batch(self) -> None:
        self._versions.clear()

    def end_batch(self) -> None:
        for patient_id, version in self._versions.items():
            rm.PatientSummary.objects.filter(patient_id=patient_id).update(stream_version=version)
        self._versions.clear()

    def handles(self, event_type: str) -> bool:
        return event_type in PATIENT_EVENTS

    def apply(self, event: ev.DomainEvent, recorded: RecordedEvent) -> None:
        if isinstance(event, ev.PatientRegistered):
            self._register(event, recorded)
        else:
            self._versions[event.patient_id] = recorded.version  # type: ignore[attr-defined]
            handler = getattr(self, f"on_{recorded.event_type}", None)
            if handler is not None:
                handler(event, recorded)

    def _register(self, e: ev.PatientRegistered, r: RecordedEvent) -> None:
        rm.PatientSummary.objects.create(
            patient_id=e.patient_id,
            practice_id=e.practice_id,
            given_name=e.given_name,
            family_name=e.family_name,
            date_of_birth=e.date_of_birth,
            sex=e.sex,
            contact_sealed=e.contact_sealed,
            diagnoses=[{"code": d.code, "description": d.description} for d in e.diagnoses],
            referring_physician=e.referring_physician,
            payer=e.payer,
            payer_member_id=e.payer_member_id,
            stream_version=r.version,
            registered_at=r.recorded_at,
        )

    def on_TherapistAssigned(self, e: ev.TherapistAssigned, r: RecordedEvent) -> None:
        rm.Assignment.objects.get_or_create(patient_id=e.patient_id, therapist_id=e.therapist_id)

    def on_TherapistUnassigned(self, e: ev.TherapistUnassigned, r: RecordedEvent) -> None:
        rm.Assignment.objects.filter(patient_id=e.patient_id, therapist_id=e.therapist_id).delete()

    def on_VisitRecorded(self, e: ev.VisitRecorded, r: RecordedEvent) -> None:
        patient = rm.PatientSummary.objects.get(patient_id=e.patient_id)
        patient.visit_count += 1
        if patient.last_visit_date is None or e.visit_date > patient.last_visit_date:
            patient.last_visit_date = e.visit_date
        patient.next_visit_due = next_visit_due(
            last_visit=patient.last_visit_date, plan_start=None, visits_per_week=patient.visits_per_week
        )
        patient.save(update_fields=["visit_count", "last_visit_date", "next_visit_due"])

    def on_PlanOfCareEstablished(self, e: ev.PlanOfCareEstablished, r: RecordedEvent) -> None:
        patient = rm.PatientSummary.objects.get(patient_id=e.patient_id)
        patient.visits_per_week = e.frequency_per_week
        patient.next_visit_due = next_visit_due(
            last_visit=patient.last_visit_date,
            plan_start=e.certification_start,
            visits_per_week=e.frequency_per_week,
        )
        patient.save(update_fields=["visits_per_week", "next_visit_due"])

    def on_PatientDischarged(self, e: ev.PatientDischarged, r: RecordedEvent) -> None:
        rm.PatientSummary.objects.filter(patient_id=e.patient_id).update(
            status="discharged",
            discharged_on=e.discharged_on,
            discharge_reason=e.reason,
            discharge_recommendations=e.recommendations,
            discharge_home_programme=e.home_programme,
            next_visit_due=None,
        )

    def on_PatientPiiErased(self, e: ev.PatientPiiErased, r: RecordedEvent) -> None:
        rm.PatientSummary.objects.filter(patient_id=e.patient_id).update(pii_erased=True)


class GoalsProjection(Projection):
    """Goals with their latest measured value, progress and FHIR achievement status."""

    name = "goals"
    tables = (rm.GoalView,)

    def on_GoalSet(self, e: ev.GoalSet, r: RecordedEvent) -> None:
        rm.GoalView.objects.create(
            goal_id=e.goal_id,
            patient_id=e.patient_id,
            metric=e.metric,
            description=e.description,
            unit=e.unit,
            baseline=e.baseline,
            target=e.target,
            comparator=e.comparator,
            due_date=e.due_date,
            lifecycle_status=e.lifecycle_status,
            achievement_status=GoalAchievement.IN_PROGRESS,
            set_on=r.recorded_at,
        )

    def on_GoalLifecycleChanged(self, e: ev.GoalLifecycleChanged, r: RecordedEvent) -> None:
        rm.GoalView.objects.filter(goal_id=e.goal_id).update(
            lifecycle_status=e.lifecycle_status, lifecycle_reason=e.reason
        )

    def on_GoalRevised(self, e: ev.GoalRevised, r: RecordedEvent) -> None:
        goal = rm.GoalView.objects.get(goal_id=e.goal_id)
        goal.description, goal.target, goal.comparator, goal.due_date = (
            e.description, e.target, e.comparator, e.due_date
        )  # fmt: skip
        if goal.latest_value is not None:
            goal.progress_percent = progress_percent(
                baseline=goal.baseline, target=goal.target, value=goal.latest_value
            )
        goal.save(update_fields=["description", "target", "comparator", "due_date", "progress_percent"])

    def on_PatientDischarged(self, e: ev.PatientDischarged, r: RecordedEvent) -> None:
        for outcome in e.goal_outcomes:
            rm.GoalView.objects.filter(goal_id=outcome.goal_id).update(
                discharge_status=outcome.achievement_status, discharge_comment=outcome.comment
            )

    def on_GoalAchieved(self, e: ev.GoalAchieved, r: RecordedEvent) -> None:
        rm.GoalView.objects.filter(goal_id=e.goal_id).update(achievement_status=GoalAchievement.ACHIEVED)

    def on_MeasurementRecorded(self, e: ev.MeasurementRecorded, r: RecordedEvent) -> None:
        for goal in rm.GoalView.objects.filter(patient_id=e.patient_id, metric=e.metric):
            previous = goal.latest_value if goal.latest_value is not None else goal.baseline
            goal.latest_value = e.value
            goal.latest_on = e.measured_on
            goal.progress_percent = progress_percent(
                baseline=goal.baseline, target=goal.target, value=e.value
            )
            status = achievement_after(
                GoalState(
                    goal_id=goal.goal_id, metric=goal.metric, target=goal.target, comparator=goal.comparator,
                    lifecycle_status=goal.lifecycle_status,
                ),
                status=goal.achievement_status, baseline=goal.baseline, previous=previous, value=e.value,
            )  # fmt: skip
            if status is not None:  # None: newly met; the GoalAchieved decided with it says "achieved"
                goal.achievement_status = status
            goal.save(update_fields=["latest_value", "latest_on", "progress_percent", "achievement_status"])


class VisitsProjection(Projection):
    name = "visits"
    tables = (rm.VisitView,)

    def on_VisitRecorded(self, e: ev.VisitRecorded, r: RecordedEvent) -> None:
        rm.VisitView.objects.create(
            visit_id=e.visit_id,
            patient_id=e.patient_id,
            visit_type=e.visit_type,
            therapist_id=e.therapist_id,
            visit_date=e.visit_date,
            recorded_at=r.recorded_at,
        )

    def on_VisitNoteWritten(self, e: ev.VisitNoteWritten, r: RecordedEvent) -> None:
        rm.VisitView.objects.filter(visit_id=e.visit_id).update(note=e.to_data()["note"])

    def on_MeasurementRecorded(self, e: ev.MeasurementRecorded, r: RecordedEvent) -> None:
        visit = rm.VisitView.objects.get(visit_id=e.visit_id)
        visit.measurements = [
            *visit.measurements,
            {k: v for k, v in e.to_data().items() if k not in ("patient_id", "visit_id")},
        ]
        visit.save(update_fields=["measurements"])

    def on_VisitProceduresRecorded(self, e: ev.VisitProceduresRecorded, r: RecordedEvent) -> None:
        rm.VisitView.objects.filter(visit_id=e.visit_id).update(procedures=e.to_data()["procedures"])

    def on_VisitNoteSigned(self, e: ev.VisitNoteSigned, r: RecordedEvent) -> None:
        rm.VisitView.objects.filter(visit_id=e.visit_id).update(
            signed_at=e.signed_at,
            signed_by=e.signed_by,
            signer_name=e.signer_name,
            signer_credentials=e.credentials,
            attestation=e.attestation,
        )

    def on_VisitNoteAmended(self, e: ev.VisitNoteAmended, r: RecordedEvent) -> None:
        visit = rm.VisitView.objects.get(visit_id=e.visit_id)
        data = e.to_data()
        visit.amendments = [
            *visit.amendments,
            {
                k: data[k]
                for k in (
                    "amendment_id",
                    "reason",
                    "note",
                    "amended_by",
                    "amended_at",
                    "signer_name",
                    "credentials",
                    "attestation",
                    "measurement_ids",
                )
            },
        ]
        visit.save(update_fields=["amendments"])


class ProgressReportProjection(Projection):
    """Medicare: a progress report is due at least every 10 treatment visits."""

    name = "progress_reporting"
    tables = (rm.ProgressReportCounter,)

    def on_PatientRegistered(self, e: ev.PatientRegistered, r: RecordedEvent) -> None:
        rm.ProgressReportCounter.objects.create(patient_id=e.patient_id)

    def on_VisitRecorded(self, e: ev.VisitRecorded, r: RecordedEvent) -> None:
        counter = rm.ProgressReportCounter.objects.filter(patient_id=e.patient_id)
        if e.visit_type in REPORTING_VISIT_TYPES:
            counter.update(visits_since_report=0, last_report_date=e.visit_date)
        elif e.visit_type == VisitType.TREATMENT:
            counter.update(visits_since_report=F("visits_since_report") + 1)


class CertificationProjection(Projection):
    """The latest plan-of-care certification per patient (its end date drives the expiry alert)."""

    name = "certification"
    tables = (rm.Certification,)

    def on_PlanOfCareEstablished(self, e: ev.PlanOfCareEstablished, r: RecordedEvent) -> None:
        rm.Certification.objects.update_or_create(
            patient_id=e.patient_id,
            defaults={
                "plan_id": e.plan_id,
                "certification_start": e.certification_start,
                "certification_end": e.certification_end,
                "frequency_per_week": e.frequency_per_week,
                "duration_weeks": e.duration_weeks,
                "interventions": e.interventions,
                "physician_name": "",
                "physician_npi": "",
                "certification_received_on": None,
                "recertification": False,
                "uncertified_visits": 0,
            },
        )

    def on_PlanOfCareCertified(self, e: ev.PlanOfCareCertified, r: RecordedEvent) -> None:
        rm.Certification.objects.filter(patient_id=e.patient_id, plan_id=e.plan_id).update(
            physician_name=e.physician_name,
            physician_npi=e.physician_npi,
            certification_received_on=e.received_on,
            recertification=e.recertification,
        )

    def on_VisitRecorded(self, e: ev.VisitRecorded, r: RecordedEvent) -> None:
        rm.Certification.objects.filter(
            patient_id=e.patient_id,
            certification_received_on__isnull=True,
            certification_start__lte=e.visit_date,
        ).update(uncertified_visits=F("uncertified_visits") + 1)

    def on_PatientDischarged(self, e: ev.PatientDischarged, r: RecordedEvent) -> None:
        rm.Certification.objects.filter(patient_id=e.patient_id).delete()


class AnalysesProjection(Projection):
    """Analyses and stored landmark sequences per visit (for progress, playback and exports)."""

    name = "analyses"
    tables = (rm.AnalysisView, rm.SequenceView)

    def on_AnalysisRequested(self, e: ev.AnalysisRequested, r: RecordedEvent) -> None:
        rm.AnalysisView.objects.create(
            analysis_id=e.analysis_id,
            patient_id=e.patient_id,
            visit_id=e.visit_id,
            source=e.source,
            source_id=e.source_id,
            content_sha256=e.content_sha256,
            config=e.config,
            status="requested",
            requested_at=r.recorded_at,
        )

    def on_AnalysisCompleted(self, e: ev.AnalysisCompleted, r: RecordedEvent) -> None:
        data = e.to_data()
        rm.AnalysisView.objects.filter(analysis_id=e.analysis_id).update(
            status="completed",
            finished_at=r.recorded_at,
            software_version=e.software_version,
            sequence_sha256=e.sequence_sha256,
            metrics=data["metrics"],
            summary=e.summary,
            withheld=data["withheld"],
        )

    def on_AnalysisValueReviewed(self, e: ev.AnalysisValueReviewed, r: RecordedEvent) -> None:
        analysis = rm.AnalysisView.objects.get(analysis_id=e.analysis_id)
        analysis.reviews = {
            **analysis.reviews,
            str(e.index): {
                "status": STATUS_OF_DECISION[e.decision],
                "decision": e.decision,
                "value": e.value,
                "machine_value": e.machine_value,
                "reason": e.reason,
                "reviewer": e.reviewer_name,
                "credentials": e.reviewer_credentials,
                "reviewed_at": e.to_data()["reviewed_at"],
            },
        }
        analysis.save(update_fields=["reviews"])

    def on_MeasurementRecorded(self, e: ev.MeasurementRecorded, r: RecordedEvent) -> None:
        """A value stored events recorded straight from an analysis (before review): final."""
        if e.analysis_id is None or e.review:
            return
        analysis = rm.AnalysisView.objects.filter(analysis_id=e.analysis_id).first()
        if analysis is None:
            return
        for index, value in enumerate(analysis.metrics):
            metric = ev.MetricValue(
                metric=value["metric"], value=value["value"], unit=value["unit"], side=value.get("side", "")
            )
            if str(index) not in analysis.reviews and e.measurement_id == legacy_measurement_id(
                e.analysis_id, index, metric
            ):
                entry = {"status": "final", "decision": "final", "value": e.value, "reason": ""}
                analysis.reviews = {**analysis.reviews, str(index): entry}
                analysis.save(update_fields=["reviews"])
                return

    def on_AnalysisFailed(self, e: ev.AnalysisFailed, r: RecordedEvent) -> None:
        rm.AnalysisView.objects.filter(analysis_id=e.analysis_id).update(
            status="failed", finished_at=r.recorded_at, failure_reason=e.reason
        )

    def on_LandmarkSequenceStored(self, e: ev.LandmarkSequenceStored, r: RecordedEvent) -> None:
        rm.SequenceView.objects.update_or_create(
            sequence_sha256=e.sequence_sha256,
            visit_id=e.visit_id,
            defaults={
                "patient_id": e.patient_id,
                "source": e.source,
                "source_id": e.source_id,
                "frames": e.frames,
                "fps": e.fps,
                "model": e.model,
                "stored_at": r.recorded_at,
            },
        )


ALL: tuple[Projection, ...] = (
    DirectoryProjection(),
    CaseloadProjection(),
    TimelineProjection(),
    VisitsProjection(),
    GoalsProjection(),
    ProgressReportProjection(),
    CertificationProjection(),
    AnalysesProjection(),
)
