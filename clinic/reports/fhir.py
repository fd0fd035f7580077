"""HL7 FHIR R4 export of a patient: a ``collection`` Bundle.

Resources: Patient, Organization (the practice, with its NPI and address), Practitioner (each
therapist, with NPI and state licence), Encounter (each visit, with the
ICD-10 diagnoses as reason), Goal (FHIR lifecycle and achievement vocabularies, target
quantity with comparator and due date), Observation (each measured value, with
``bodySite``, ``method`` and, for a value from video, the software that measured it),
DocumentReference (each PDF report, embedded).

Observation.status follows the clinician's review of analysis values (FHIR R4 ObservationStatus,
http://hl7.org/fhir/R4/valueset-observation-status.html):

* ``preliminary`` ("an initial or interim observation: data may be incomplete or unverified"):
  an analysis value no clinician has reviewed yet. It counts for nothing in the record;
* ``final`` ("the observation is complete and there are no further actions needed"): a
  clinician's own measurement, or an analysis value the clinician accepted as measured;
* ``amended`` ("subsequent to being final, the observation has been modified ... includes
  corrections"): an analysis value the clinician corrected; the value is the clinician's and a
  note says so. The machine's value stays in the audit trail, not in the export.

A rejected analysis value is not an observation of the patient and is not exported.
Observation.method carries how the value was measured (its text names the technique of the
analysis, its camera view and quality grade); ``device.display`` names the analysis software and
its version, so every number can be traced to the code that produced it.

Codes: LOINC where the code means exactly what we measured (documents: 51848-0
evaluation note, 11506-3 progress note, 18842-5 discharge summary); every metric also
carries our local code system, and is exported under it alone where LOINC has no
equivalent (LOINC 112432-0 "walking asymmetry" counts asymmetric steps, which is not
our step-time or step-length symmetry index, so it is not used for them). Units are UCUM.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from clinic.reports.model import Measurement, PatientRecord

LOCAL = "https://movement-clinic.example/fhir"
METRIC_SYSTEM = f"{LOCAL}/CodeSystem/metric"
METHOD_SYSTEM = f"{LOCAL}/CodeSystem/measurement-method"
VISIT_TYPE_SYSTEM = f"{LOCAL}/CodeSystem/visit-type"
BODY_SITE_SYSTEM = f"{LOCAL}/CodeSystem/body-site"
PATIENT_ID_SYSTEM = f"{LOCAL}/patient-id"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"

UCUM_CODES = {
    "m/s": "m/s",
    "m": "m",
    "s": "s",
    "deg": "deg",
    "%": "%",
    "steps/min": "/min",
    "count": "{count}",
    "score": "{score}",
}
DOCUMENT_LOINC = {
    "evaluation": ("51848-0", "Evaluation note"),
    "progress": ("11506-3", "Progress note"),
    "discharge": ("18842-5", "Discharge summary"),
}
# Where each metric is measured, for Observation.bodySite.
BODY_SITES = {
    "knee_flexion_rom": "knee",
    "hip_flexion_rom": "hip",
    "shoulder_flexion_rom": "shoulder",
    "squat_depth": "knee",
    "reba_score": "whole body",
    "pain_nprs": "whole body",
}
ACTIVITY_METRICS = {
    "gait_speed",
    "cadence",
    "step_length",
    "step_length_symmetry",
    "step_time_symmetry",
    "ten_metre_walk_speed",
    "timed_up_and_go",
    "chair_stand_count",
    "single_leg_stance_time",
}


@dataclass(frozen=True)
class AttachedDocument:
    kind: str  # evaluation, progress or discharge
    title: str
    content: bytes
    created: datetime
    visit_id: str


def _id(*parts: object) -> str:
    return str(uuid5(NAMESPACE_URL, "/".join(str(p) for p in parts)))


def _ref(resource_type: str, resource_id: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource_id}", "type": resource_type}


def _quantity(value: float, unit: str, comparator: str | None = None) -> dict[str, Any]:
    quantity: dict[str, Any] = {
        "value": value,
        "unit": unit,
        "system": UCUM,
        "code": UCUM_CODES.get(unit, unit),
    }
    if comparator:
        quantity["comparator"] = comparator
    return quantity


def _metric_concept(metric: str, label: str) -> dict[str, Any]:
    return {"coding": [{"system": METRIC_SYSTEM, "code": metric, "display": label}], "text": label}


def _patient(record: PatientRecord) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": record.patient_id,
        "identifier": [{"system": PATIENT_ID_SYSTEM, "value": record.patient_id}],
        "name": [{"family": record.family_name, "given": [record.given_name]}],
        "gender": record.sex,
        "birthDate": record.date_of_birth.isoformat(),
        "active": record.status == "active",
    }
    if record.payer_member_id:
        resource["identifier"].append(
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                            "code": "MB",
                            "display": "Member Number",
                        }
                    ],
                    # FHIR strings may not be empty: no text when the payer was left blank.
                    **({"text": record.payer} if record.payer else {}),
                },
                "value": record.payer_member_id,
            }
        )
    if record.contact:  # None once erased: nothing to export
        telecom = [
            {"system": s, "value": record.contact[k]}
            for s, k in (("phone", "phone"), ("email", "email"))
            if record.contact.get(k)
        ]
        if telecom:
            resource["telecom"] = telecom
        if record.contact.get("address"):
            resource["address"] = [{"text": record.contact["address"]}]
    return resource


NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"  # US National Provider Identifier


def _organization(record: PatientRecord) -> dict[str, Any]:
    """The practice as billing provider: its name, NPI and address."""
    return {
        "resourceType": "Organization",
        "id": _id("organization", record.practice_name),
        "name": record.practice_name,
        "identifier": [{"system": NPI_SYSTEM, "value": record.practice_npi}] if record.practice_npi else [],
        "address": [{"text": record.practice_address}] if record.practice_address else [],
    }


def _practitioners(record: PatientRecord) -> list[dict[str, Any]]:
    return [
        {
            "resourceType": "Practitioner",
            "id": _id("practitioner", t.user_id),
            "identifier": [{"system": NPI_SYSTEM, "value": t.npi}] if t.npi else [],
            "name": [{"text": t.name}] if t.name else [],
            "qualification": (
                ([{"code": {"text": t.credentials}}] if t.credentials else [])
                + (
                    [{"code": {"text": "State licence"}, "identifier": [{"value": t.licence}]}]
                    if t.licence
                    else []
                )
            ),
        }
        for t in record.therapists
    ]


def _encounters(record: PatientRecord) -> list[dict[str, Any]]:
    reasons = [
        {"coding": [{"system": ICD10, "code": code, "display": desc or code}]}
        for code, desc in record.diagnoses
    ]
    return [
        {
            "resourceType": "Encounter",
            "id": v.visit_id,
            "status": "finished",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "AMB",
                "display": "ambulatory",
            },
            "type": [
                {
                    "coding": [
                        {
                            "system": VISIT_TYPE_SYSTEM,
                            "code": v.visit_type,
                            "display": v.visit_type.replace("_", " "),
                        }
                    ]
                }
            ],
            "subject": _ref("Patient", record.patient_id),
            "participant": [{"individual": _ref("Practitioner", _id("practitioner", v.therapist_id))}],
            "period": {"start": v.visit_date.isoformat(), "end": v.visit_date.isoformat()},
            "reasonCode": reasons,
        }
        for v in record.visits
    ]


def _goals(record: PatientRecord) -> list[dict[str, Any]]:
    return [
        {
            "resourceType": "Goal",
            "id": g.goal_id,
            "lifecycleStatus": g.lifecycle_status,
            "achievementStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                        "code": g.achievement_status,
                    }
                ]
            },
            "description": {"text": g.description},
            "subject": _ref("Patient", record.patient_id),
            "startDate": g.set_on.isoformat(),
            "target": [
                {
                    "measure": _metric_concept(g.metric, g.label),
                    "detailQuantity": _quantity(g.target, g.unit, g.comparator),
                    "dueDate": g.due_date.isoformat(),
                }
            ],
        }
        for g in record.goals
    ]


def _observation(record: PatientRecord, m: Measurement, index: int) -> dict[str, Any]:
    visit = next(v for v in record.visits if v.visit_id == m.visit_id)
    site = BODY_SITES.get(m.metric, "lower limbs")
    site_text = f"{m.side} {site}".strip() if m.side and m.side != "bilateral" else site
    video = m.method == "video"
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": _id("observation", m.key) if m.key else _id("observation", m.visit_id, m.metric, m.side, index),
        "status": m.status,
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "activity" if m.metric in ACTIVITY_METRICS else "exam",
                    }
                ]
            }
        ],
        "code": _metric_concept(m.metric, m.label),
        "subject": _ref("Patient", record.patient_id),
        "encounter": _ref("Encounter", m.visit_id),
        "effectiveDateTime": m.measured_on.isoformat(),
        "performer": [_ref("Practitioner", _id("practitioner", visit.therapist_id))],
        "valueQuantity": _quantity(m.value, m.unit),
        "bodySite": {
            "coding": [{"system": BODY_SITE_SYSTEM, "code": site_text.replace(" ", "-")}],
            "text": site_text,
        },
        "method": {
            "coding": [
                {
                    "system": METHOD_SYSTEM,
                    "code": "video-pose-estimation" if video else (m.method or "clinician"),
                    "display": "Markerless video pose estimation"
                    if video
                    else _MANUAL_METHODS.get(m.method, "Clinician measured"),
                }
            ],
            "text": _method_text(m) if video else _MANUAL_METHODS.get(m.method, "Clinician measured").lower(),
        },
    }
    if video and m.software_version:
        resource["device"] = {"display": f"Movement clinic pose analysis {m.software_version}"}
    if m.status == "amended":
        resource["note"] = [
            {"text": "Value corrected by the reviewing clinician (machine value kept in the audit trail)."}
        ]
    return resource


# How a clinician-entered value was measured (clinic.domain.vocabulary.Method), as FHIR shows it.
_MANUAL_METHODS = {
    "clinician": "Clinician measured",
    "goniometer": "Goniometer",
    "inclinometer": "Inclinometer",
    "stopwatch": "Stopwatch timed test",
    "patient-reported": "Patient-reported rating",
    "questionnaire": "Standard questionnaire score",
}


def _method_text(m: Measurement) -> str:
    """ "video pose estimation (MediaPipe BlazePose): <technique>; sagittal view; quality good"."""
    parts = ["video pose estimation (MediaPipe BlazePose)" + (f": {m.technique}" if m.technique else "")]
    if m.view:
        parts.append(f"{m.view} view")
    if m.quality:
        parts.append(f"quality {m.quality}")
    return "; ".join(parts)


def _documents(record: PatientRecord, documents: list[AttachedDocument]) -> list[dict[str, Any]]:
    resources = []
    for doc in documents:
        code, display = DOCUMENT_LOINC[doc.kind]
        resources.append(
            {
                "resourceType": "DocumentReference",
                "id": _id("document", record.patient_id, doc.kind, doc.visit_id),
                "status": "current",
                "type": {"coding": [{"system": LOINC, "code": code, "display": display}], "text": doc.title},
                "subject": _ref("Patient", record.patient_id),
                "date": doc.created.isoformat(),
                "description": doc.title,
                "content": [
                    {
                        "attachment": {
                            "contentType": "application/pdf",
                            "title": doc.title,
                            "data": base64.b64encode(doc.content).decode(),
                            "creation": doc.created.isoformat(),
                        }
                    }
                ],
                "context": {"encounter": [_ref("Encounter", doc.visit_id)]},
            }
        )
    return resources


def bundle(record: PatientRecord, documents: list[AttachedDocument]) -> dict[str, Any]:
    """The patient's FHIR R4 Bundle (type collection) as a JSON-ready dict."""
    resources = [
        _patient(record),
        _organization(record),
        *_practitioners(record),
        *_encounters(record),
        *_goals(record),
        *(_observation(record, m, i) for i, m in enumerate(record.measurements)),
        *(_observation(record, m, i) for i, m in enumerate(record.preliminary, len(record.measurements))),
        *_documents(record, documents),
    ]
    return {
        "resourceType": "Bundle",
        "id": _id("bundle", record.patient_id, record.generated_at.isoformat()),
        "type": "collection",
        "timestamp": record.generated_at.isoformat(),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
