"""Access-log rows and per-patient data keys.

The access log is append-only (a trigger refuses UPDATE and DELETE on PostgreSQL) and
hash-chained: each row's hash covers its fields and the previous row's hash, so any
edit, insertion or deletion in the middle breaks the chain (``verify_access_log``).

Patient keys are the one mutable secret: destroying a row is the crypto-shredding of
that patient's sealed data. Keys are stored wrapped with the key-encryption key.
"""

from __future__ import annotations

from django.db import models


class AccessLogEntry(models.Model):
    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True)
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    outcome = models.CharField(max_length=20)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        db_table = "access_log"
        indexes = [models.Index(fields=["object_type", "object_id"], name="access_log_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor} {self.action} {self.object_type}:{self.object_id} {self.outcome}"


class PatientKey(models.Model):
    patient_id = models.UUIDField(primary_key=True)
    wrapped_key = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "access_patient_key"

    def __str__(self) -> str:
        return f"key for {self.patient_id}"
