"""Read models. Written only by projection handlers; disposable and rebuilt from events."""

from __future__ import annotations

from django.db import models


class Checkpoint(models.Model):
    """How far a projection has processed the store, in commit order (tx_id, position)."""

    name = models.CharField(max_length=60, primary_key=True)
    tx_id = models.BigIntegerField(default=0)
    global_position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "projection_checkpoint"

    def __str__(self) -> str:
        return f"{self.name} @ ({self.tx_id}, {self.global_position})"


class PracticeView(models.Model):
    practice_id = models.UUIDField(primary_key=True)
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    npi = models.CharField(max_length=10, blank=True)

    class Meta:
        db_table = "rm_practice"

    def __str__(self) -> str:
        return self.name


class StaffMember(models.Model):
    user_id = models.BigIntegerField(primary_key=True)
    practice_id = models.UUIDField(db_index=True)
    role = models.CharField(max_length=20)
    display_name = models.CharField(max_length=200)
    credentials = models.CharField(max_length=100, blank=True)
    npi = models.CharField(max_length=10, blank=True)
    licence = models.CharField(max_length=40, blank=True)

    class Meta:
        db_table = "rm_staff_member"

    def __str__(self) -> str:
        return f"{self.display_name} ({self.role})"


class PatientSummary(models.Model):
    """One row per patient: demographics, status, stream version (for 409s)."""

    patient_id = models.UUIDField(primary_key=True)
    practice_id = models.UUIDField(db_index=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10)
    contact_sealed = models.TextField()
    diagnoses = models.JSONField(default=list)
    referring_physician = models.CharField(max_length=200, blank=True)
    payer = models.CharField(max_length=200, blank=True)
    payer_member_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20, default="active")
    discharged_on = models.DateField(null=True)
    # The discharge summary's text (each goal's status at discharge is on its GoalView).
    discharge_reason = models.TextField(blank=True, default="")
    discharge_recommendations = models.TextField(blank=True, default="")
    discharge_home_programme = models.TextField(blank=True, default="")
    pii_erased = models.BooleanField(default=False)
    last_visit_date = models.DateField(null=True)
    visit_count = models.IntegerField(default=0)
    # The plan of care's frequency and the date its next visit falls due (clinic.domain.worklist).
    visits_per_week = models.IntegerField(null=True)
    next_visit_due = models.DateField(null=True)
    stream_version = models.IntegerField(default=0)
    registered_at = models.DateTimeField()

    class Meta:
        db_table = "rm_patient"
        indexes = [
            models.Index(fields=["practice_id", "family_name", "given_name"], name="rm_patient_name_idx")
        ]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name}"


class Assignment(models.Model):
    patient_id = models.UUIDField()
    therapist_id = models.BigIntegerField(db_index=True)

    class Meta:
        db_table = "rm_assignment"
        constraints = [
            models.UniqueConstraint(fields=["patient_id", "therapist_id"], name="rm_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.therapist_id} -> {self.patient_id}"


class TimelineEntry(models.Model):
    global_position = models.BigIntegerField(primary_key=True)
    patient_id = models.UUIDField(db_index=True)
    occurred_on = models.DateField()
    recorded_at = models.DateTimeField()
    kind = models.CharField(max_length=40)
    summary = models.TextField()
    actor = models.CharField(max_length=150, blank=True)

    class Meta:
        db_table = "rm_timeline"

    def __str__(self) -> str:
        return self.summary


class GoalView(models.Model):
    goal_id = models.UUIDField(primary_key=True)
    patient_id = models.UUIDField(db_index=True)
    metric = models.CharField(max_length=60)
    description = models.TextField()
    unit = models.CharField(max_length=20)
    baseline = models.FloatField(null=True)
    target = models.FloatField()
    comparator = models.CharField(max_length=2)
    due_date = models.DateField()
    lifecycle_status = models.CharField(max_length=20)
    lifecycle_reason = models.TextField(blank=True, default="")  # why it was cancelled, put on hold...
    achievement_status = models.CharField(max_length=20)
    # What the discharge summary says became of the goal (a FHIR goal-achievement code), and why.
    discharge_status = models.CharField(max_length=20, blank=True, default="")
    discharge_comment = models.TextField(blank=True, default="")
    latest_value = models.FloatField(null=True)
    latest_on = models.DateField(null=True)
    progress_percent = models.FloatField(null=True)
    set_on = models.DateTimeField()

    class Meta:
        db_table = "rm_goal"

    def __str__(self) -> str:
        return self.description


class VisitView(models.Model):
    visit_id = models.UUIDField(primary_key=True)
    patient_id = models.UUIDField(db_index=True)
    visit_type = models.CharField(max_length=20)
    therapist_id = models.BigIntegerField()
    visit_date = models.DateField()
    note = models.JSONField(null=True)
    measurements = models.JSONField(default=list)
    signed_at = models.DateTimeField(null=True)
    signed_by = models.BigIntegerField(null=True)
    signer_name = models.CharField(max_length=200, blank=True)
    signer_credentials = models.CharField(max_length=100, blank=True)
    # The attestation statement the signer affirmed (empty for notes signed before it was recorded).
    attestation = models.TextField(blank=True, default="")
    amendments = models.JSONField(default=list)
    recorded_at = models.DateTimeField(null=True)  # when the visit was entered (unsigned-note age)
    procedures = models.JSONField(default=list)  # [{"code": "97110", "minutes": 23}, ...]

    class Meta:
        db_table = "rm_visit"
        indexes = [models.Index(fields=["patient_id", "visit_date"], name="rm_visit_patient_date_idx")]

    def __str__(self) -> str:
        return f"{self.visit_type} {self.visit_date}"


class ProgressReportCounter(models.Model):
    """Treatment visits since the last evaluation, progress report or re-evaluation."""

    patient_id = models.UUIDField(primary_key=True)
    visits_since_report = models.IntegerField(default=0)
    last_report_date = models.DateField(null=True)

    class Meta:
        db_table = "rm_progress_report_counter"

    def __str__(self) -> str:
        return f"{self.patient_id}: {self.visits_since_report}"


class Certification(models.Model):
    """The patient's current plan-of-care certification period."""

    patient_id = models.UUIDField(primary_key=True)
    plan_id = models.UUIDField()
    certification_start = models.DateField()
    certification_end = models.DateField(db_index=True)
    frequency_per_week = models.IntegerField()
    duration_weeks = models.IntegerField()
    interventions = models.TextField(blank=True)
    # The physician's signed certification of this plan (empty until it is received).
    physician_name = models.CharField(max_length=200, blank=True, default="")
    physician_npi = models.CharField(max_length=10, blank=True, default="")
    certification_received_on = models.DateField(null=True)
    recertification = models.BooleanField(default=False)
    # Visits recorded within this plan's period while it awaited the physician's certification.
    uncertified_visits = models.IntegerField(default=0)

    class Meta:
        db_table = "rm_certification"

    def __str__(self) -> str:
        return f"{self.certification_start} - {self.certification_end}"


class AnalysisView(models.Model):
    analysis_id = models.UUIDField(primary_key=True)
    patient_id = models.UUIDField(db_index=True)
    visit_id = models.UUIDField(db_index=True)
    source = models.CharField(max_length=20)
    source_id = models.UUIDField()
    content_sha256 = models.CharField(max_length=64)
    config = models.JSONField(default=dict)
    status = models.CharField(max_length=20)  # requested, completed, failed
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    software_version = models.CharField(max_length=40, blank=True)
    sequence_sha256 = models.CharField(max_length=64, blank=True)
    metrics = models.JSONField(default=list)
    summary = models.JSONField(default=dict)
    failure_reason = models.TextField(blank=True)
    # Per value index (as a string): {"status": final|amended|rejected, "decision", "value",
    # "reason", "reviewer", "credentials", "reviewed_at"}. A value without an entry is preliminary.
    reviews = models.JSONField(default=dict)
    withheld = models.JSONField(default=list)  # [{metric, side, code, reason}]

    class Meta:
        db_table = "rm_analysis"

    def __str__(self) -> str:
        return f"{self.analysis_id} {self.status}"


class SequenceView(models.Model):
    """A stored landmark sequence of a visit (from a live recording or an uploaded video)."""

    sequence_sha256 = models.CharField(max_length=64)
    visit_id = models.UUIDField(db_index=True)
    patient_id = models.UUIDField(db_index=True)
    source = models.CharField(max_length=20)
    source_id = models.UUIDField()
    frames = models.IntegerField()
    fps = models.FloatField()
    model = models.CharField(max_length=10)
    stored_at = models.DateTimeField()

    class Meta:
        db_table = "rm_sequence"
        constraints = [
            models.UniqueConstraint(fields=["sequence_sha256", "visit_id"], name="rm_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.sequence_sha256[:12]} ({self.frames} frames)"
