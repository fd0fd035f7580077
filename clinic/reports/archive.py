"""The practice export: one zip with every patient's latest reports and exports.

Layout::

    index.csv                                  one row per patient (id, name, status, files)
    <family>-<given>-<id8>/progress.pdf        latest progress report (evaluation.pdf, discharge.pdf too)
    <family>-<given>-<id8>/measurements.csv    all measurements over time (columns: clinic.reports.tables)
    <family>-<given>-<id8>/measurements.json
    <family>-<given>-<id8>/fhir.json           FHIR R4 Bundle with the PDFs embedded
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable

from clinic.reports import fhir, pdf, tables
from clinic.reports.csvcells import SafeWriter
from clinic.reports.model import PatientRecord


def _folder(record: PatientRecord) -> str:
    """``family-given-id8``: letters and digits, other characters as ``-``, never a leading ``-``."""
    name = f"{record.family_name}-{record.given_name}".lower()
    slug = "".join(ch if ch.isalnum() else "-" for ch in name).strip("-")
    return f"{slug}-{record.patient_id[:8]}" if slug else record.patient_id[:8]


def report_kinds(record: PatientRecord) -> list[str]:
    """The reports a record supports: evaluation and progress once seen, discharge once discharged."""
    if not record.visits:
        return []
    kinds = ["evaluation", "progress"]
    if record.status == "discharged" or any(v.visit_type == "discharge" for v in record.visits):
        kinds.append("discharge")
    return kinds


def attached_reports(record: PatientRecord) -> list[fhir.AttachedDocument]:
    return [
        fhir.AttachedDocument(
            kind=kind,
            title=pdf.KINDS[kind],
            content=pdf.render(record, kind),
            created=record.generated_at,
            visit_id=pdf.key_visit(record, kind).visit_id,
        )
        for kind in report_kinds(record)
    ]


def practice_zip(records: Iterable[PatientRecord]) -> bytes:
    buffer = io.BytesIO()
    index = io.StringIO()
    writer = SafeWriter(index, lineterminator="\n")
    writer.writerow(["patient_id", "family_name", "given_name", "date_of_birth", "status", "folder", "files"])
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            folder = _folder(record)
            reports = attached_reports(record)
            files = {f"{doc.kind}.pdf": doc.content for doc in reports}
            files["measurements.csv"] = tables.metrics_csv(record).encode()
            files["measurements.json"] = json.dumps(tables.metrics_json(record), indent=1).encode()
            files["fhir.json"] = json.dumps(fhir.bundle(record, reports), indent=1).encode()
            for name, content in files.items():
                archive.writestr(f"{folder}/{name}", content)
            writer.writerow(
                [
                    record.patient_id,
                    record.family_name,
                    record.given_name,
                    record.date_of_birth.isoformat(),
                    record.status,
                    folder,
                    " ".join(sorted(files)),
                ]
            )
        archive.writestr("index.csv", index.getvalue())
    return buffer.getvalue()
