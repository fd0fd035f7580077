"""Document downloads: check access, build, and log every export and report download."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.utils import timezone

from analysis import norms
from capture.sequence import LandmarkSequence, decode_sequence
from clinic import blobs, selectors
from clinic.access import keys
from clinic.access import log as access_log
from clinic.access.policy import NotVisible, require_admin
from clinic.projections.models import AnalysisView, PatientSummary, SequenceView, VisitView
from clinic.reports import archive, fhir, pdf, playback, recording, svg, tables
from clinic.reports.gather import patient_record
from clinic.reports.outcome_norms import record_statements


@dataclass(frozen=True)
class Document:
    filename: str
    content_type: str
    content: bytes


def _slug(record_name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in record_name.lower()).strip("-")


def patient_report(*, user: Any, patient_id: UUID, kind: str) -> Document:
    """A PDF report; NotVisible for a patient the user may not see, UnsupportedReport for a bad kind."""
    if kind not in pdf.KINDS:
        raise pdf.UnsupportedReport(f"report kind must be one of {', '.join(pdf.KINDS)}")
    patient = selectors.patient_get(user=user, patient_id=patient_id, action=f"report_{kind}")
    record = patient_record(patient)
    content = pdf.render(record, kind)
    return Document(
        f"{_slug(record.name)}-{kind}-{record.generated_at:%Y%m%d}.pdf", "application/pdf", content
    )


def patient_export(*, user: Any, patient_id: UUID, fmt: str) -> Document:
    """All of a patient's measurements over time as CSV or JSON."""
    if fmt not in ("csv", "json"):
        raise pdf.UnsupportedReport("export format must be csv or json")
    patient = selectors.patient_get(user=user, patient_id=patient_id, action=f"export_{fmt}")
    record = patient_record(patient)
    name = f"{_slug(record.name)}-measurements.{fmt}"
    if fmt == "csv":
        return Document(name, "text/csv", tables.metrics_csv(record).encode())
    return Document(name, "application/json", json.dumps(tables.metrics_json(record), indent=1).encode())


def patient_fhir(*, user: Any, patient_id: UUID) -> Document:
    """The FHIR R4 Bundle of a patient, with the PDF reports embedded as DocumentReferences."""
    patient = selectors.patient_get(user=user, patient_id=patient_id, action="export_fhir")
    record = patient_record(patient)
    attached = archive.attached_reports(record)
    content = json.dumps(fhir.bundle(record, attached), indent=1).encode()
    return Document(f"{_slug(record.name)}-fhir.json", "application/fhir+json", content)


def progress_view(*, user: Any, patient_id: UUID, sessions: int = 6) -> dict[str, Any]:
    """What the progress page shows: a chart per goal, the last ``sessions`` measured visits, and
    every outcome-test score against its norm and the change against the MCID."""
    patient = selectors.patient_get(user=user, patient_id=patient_id, action="read_progress")
    record = patient_record(patient)
    start = record.start_of_care
    outcomes = record_statements(record)
    # An outcome test's chart shows the norm of its latest score (the patient's age then).
    norms_now = {
        s.metric: (s.norm.reference, s.norm_text) for s in outcomes if s.norm and s.norm.reference is not None
    }
    charts = []
    for goal in record.charted_goals:
        series = [m for m in record.measurements if m.metric == goal.metric]
        norm = norms_now.get(goal.metric)
        charts.append(
            {"goal": goal, "svg": svg.goal_chart_svg(goal, series, start=start, norm=norm) if start else ""}
        )
    comparison = tables.session_comparison(record, sessions=sessions)
    # Each outcome-test value in the table carries its statement (norm and change against the MCID).
    by_day = {(s.metric, s.side, s.measured_on): s for s in outcomes}
    for row in comparison["rows"]:
        for visit, cell in zip(comparison["visits"], row["cells"], strict=True):
            cell["statement"] = by_day.get((row["metric"], row["side"], visit.visit_date))
    return {
        "record": record,
        "patient": patient,
        "charts": charts,
        "comparison": comparison,
        "outcomes": outcomes,
        "sex": norms.known_sex(record.sex),
    }


def patient_sequences(*, user: Any, patient_id: UUID) -> dict[str, Any]:
    """The patient and their stored landmark sequences with visit dates, newest first."""
    patient = selectors.patient_get(user=user, patient_id=patient_id, action="read_sequences")
    dates = dict(VisitView.objects.filter(patient_id=patient_id).values_list("visit_id", "visit_date"))
    sequences = [
        {
            "sha256": s.sequence_sha256,
            "visit_date": dates.get(s.visit_id),
            "source": s.source,
            "frames": s.frames,
            "fps": s.fps,
            "model": s.model,
        }
        for s in SequenceView.objects.filter(patient_id=patient_id).order_by("-stored_at")
    ]
    return {"patient": patient, "sequences": sequences}


def _stored_sequence(patient_id: UUID, sequence_sha256: str) -> LandmarkSequence:
    """One of the patient's stored landmark sequences; NotVisible if it is not theirs or is gone."""
    if not SequenceView.objects.filter(patient_id=patient_id, sequence_sha256=sequence_sha256).exists():
        raise NotVisible("no such sequence for this patient")
    try:
        return decode_sequence(blobs.get("sequence", patient_id, sequence_sha256))
    except (blobs.BlobMissing, keys.KeyDestroyed):
        raise NotVisible("the sequence is no longer stored") from None


def _stored_skeleton(
    patient_id: UUID, sequence: LandmarkSequence, sequence_sha256: str
) -> LandmarkSequence | None:
    """The 3D skeleton of ``sequence``'s subject fitted by its latest completed analysis that kept
    one (``refine_3d.skeleton_sha256``), sealed like the sequence; None when there is none."""
    summaries = (
        AnalysisView.objects.filter(
            patient_id=patient_id, sequence_sha256=sequence_sha256, status="completed"
        )
        .order_by("-finished_at")
        .values_list("summary", flat=True)
    )
    for summary in summaries:
        sha256 = ((summary or {}).get("refine_3d") or {}).get("skeleton_sha256")
        if not sha256:
            continue
        try:
            skeleton = decode_sequence(blobs.get("skeleton", patient_id, sha256))
        except (blobs.BlobMissing, keys.KeyDestroyed):
            continue
        if skeleton.subject == sequence.subject:  # not a re-run's skeleton of another person
            return skeleton
    return None


def sequence_playback(*, user: Any, patient_id: UUID, sequence_sha256: str) -> dict[str, Any]:
    """Playback frames of one of the patient's sequences, with the subject's fitted 3D skeleton
    when an analysis kept one; NotVisible if it is not theirs."""
    selectors.patient_get(user=user, patient_id=patient_id, action="read_sequence")
    sequence = _stored_sequence(patient_id, sequence_sha256)
    return playback.playback_data(sequence, skeleton=_stored_skeleton(patient_id, sequence, sequence_sha256))


def recording_export(*, user: Any, patient_id: UUID, sequence_sha256: str, fmt: str) -> Document:
    """One recording's joint-angle time series (CSV), or everything measured on it (JSON)."""
    if fmt not in ("csv", "json"):
        raise pdf.UnsupportedReport("export format must be csv or json")
    selectors.patient_get(user=user, patient_id=patient_id, action=f"export_recording_{fmt}")
    sequence = _stored_sequence(patient_id, sequence_sha256)
    name = f"recording-{sequence_sha256[:12]}.{fmt}"
    if fmt == "csv":
        return Document(name, "text/csv", recording.recording_csv(sequence).encode())
    analyses = list(
        AnalysisView.objects.filter(patient_id=patient_id, sequence_sha256=sequence_sha256).values(
            "analysis_id",
            "status",
            "software_version",
            "config",
            "failure_reason",
            "metrics",
            "summary",
            "reviews",
        )
    )
    for a in analyses:
        a["analysis_id"] = str(a["analysis_id"])
        # Each value says whether it is in the record: preliminary until reviewed, then final,
        # amended (the clinician's value is in the record, this is the machine's) or rejected.
        reviews = a.pop("reviews")
        a["metrics"] = [
            {**m, "status": reviews.get(str(i), {}).get("status", "preliminary")}
            for i, m in enumerate(a["metrics"])
        ]
    body = recording.recording_json(sequence, sequence_sha256=sequence_sha256, analyses=analyses)
    return Document(name, "application/json", json.dumps(body, indent=1).encode())


def practice_export(*, user: Any) -> Document:
    """Every patient of the administrator's practice in one zip; each patient's export is logged."""
    staff = require_admin(user)
    patients = list(
        PatientSummary.objects.filter(practice_id=staff.practice_id).order_by("family_name", "given_name")
    )
    for patient in patients:
        access_log.record(
            user=user, action="export_archive", object_type="patient", object_id=patient.patient_id
        )
    access_log.record(
        user=user, action="export_practice", object_type="practice", object_id=staff.practice_id
    )
    content = archive.practice_zip(patient_record(p) for p in patients)
    return Document(f"practice-export-{timezone.localdate():%Y%m%d}.zip", "application/zip", content)


__all__ = ["Document", "patient_export", "patient_fhir", "patient_report", "practice_export"]
