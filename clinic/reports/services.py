"""Document downloads: check access, build, and log every export and report download."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from clinic import selectors
from clinic.reports import fhir, pdf, tables
from clinic.reports.gather import patient_record


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


def report_kinds(record: Any) -> list[str]:
    """The reports a record supports: evaluation and progress once seen, discharge once discharged."""
    if not record.visits:
        return []
    kinds = ["evaluation", "progress"]
    if record.status == "discharged" or any(v.visit_type == "discharge" for v in record.visits):
        kinds.append("discharge")
    return kinds


def patient_fhir(*, user: Any, patient_id: UUID) -> Document:
    """The FHIR R4 Bundle of a patient, with the PDF reports embedded as DocumentReferences."""
    patient = selectors.patient_get(user=user, patient_id=patient_id, action="export_fhir")
    record = patient_record(patient)
    attached = [
        fhir.AttachedDocument(
            kind=kind,
            title=pdf.KINDS[kind],
            content=pdf.render(record, kind),
            created=record.generated_at,
            visit_id=pdf.key_visit(record, kind).visit_id,
        )
        for kind in report_kinds(record)
    ]
    content = json.dumps(fhir.bundle(record, attached), indent=1).encode()
    return Document(f"{_slug(record.name)}-fhir.json", "application/fhir+json", content)


__all__ = ["Document", "patient_export", "patient_fhir", "patient_report"]
