"""Which person an analysis measured: its still images, and a re-run on another person of the clip.

An analysis summary's ``subject`` section (:mod:`clinic.analysis_jobs.subject`) names the analysed
person, everyone else the tracker saw, and the JPEG stills that show them, stored as ``"still"``
blobs sealed with the patient's key (so they go with the key when the patient is erased).

* :func:`analysis_still` reads one of those images for a user who may see the patient (a logged
  read; NotVisible, i.e. 404, for anyone else, an image the analysis does not name, or one that
  can no longer be read).
* :func:`analysis_rerun_on_person` requests a new analysis of the same content with the same
  options plus ``subject=<person id>``. The configuration is part of the idempotency key, so it is
  another analysis (asked twice, the same one); its pose step reuses the stored landmarks of every
  person (:func:`clinic.services.analysis.reusable_sequence`), so it works after the video is gone.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from clinic import blobs
from clinic.access.keys import KeyDestroyed
from clinic.access.policy import NotVisible
from clinic.analysis_jobs.config import analysis_config
from clinic.analysis_jobs.subject import still_hashes
from clinic.domain.errors import InvalidState, InvalidValue, NotFound
from clinic.projections.models import AnalysisView
from clinic.services.actors import actor_of
from clinic.services.analysis import AnalysisId, request_in
from clinic.services.streams import patient_unit


def _analysis(patient_id: UUID, visit_id: UUID, analysis_id: UUID) -> AnalysisView:
    row = AnalysisView.objects.filter(patient_id=patient_id, analysis_id=analysis_id).first()
    if row is None or row.visit_id != visit_id:
        raise NotFound("no such analysis for this patient", field="analysis_id")
    return row


def _section(row: AnalysisView) -> dict[str, Any]:
    section = row.summary.get("subject") if isinstance(row.summary, dict) else None
    return section if isinstance(section, dict) else {}


def analysis_still(*, user: Any, patient_id: UUID, analysis_id: UUID, sha256: str) -> bytes:
    """The JPEG bytes of a still the analysis names (see the module docstring)."""
    from clinic.services.patients import patient_access

    with patient_access(user, patient_id, "read_analysis_still"):
        row = AnalysisView.objects.filter(patient_id=patient_id, analysis_id=analysis_id).first()
        if row is None or sha256 not in still_hashes(_section(row)):
            raise NotVisible("no such image for this analysis")
        try:
            return blobs.get("still", patient_id, sha256)
        except (blobs.BlobMissing, KeyDestroyed):
            raise NotVisible("the image is no longer stored") from None


def analysis_rerun_on_person(
    *, user: Any, patient_id: UUID, visit_id: UUID, analysis_id: UUID, person_id: int
) -> AnalysisId:
    """Request the analysis of the same content on person ``person_id`` (see the module docstring).

    NotVisible (404) for a user who may not see the patient; NotFound for an analysis not of this visit;
    InvalidState unless the analysis is completed; InvalidValue for a person the analysis did not
    see or the person it already measured.
    """
    from clinic.services.patients import patient_access

    with patient_access(user, patient_id, "analysis_rerun_on_person"):
        row = _analysis(patient_id, visit_id, analysis_id)
        if row.status != "completed":
            raise InvalidState(
                "only a completed analysis can be re-run on another person", code="not_completed"
            )
        section = _section(row)
        seen = [int(p["id"]) for p in section.get("people", [])]
        if person_id not in seen:
            found = ", ".join(map(str, seen)) or "none"
            raise InvalidValue(
                f"Person {person_id} is not in this video (people found: {found}).",
                code="unknown_person",
                field="person",
            )
        if person_id == section.get("id"):
            raise InvalidValue(
                f"Person {person_id} is the person this analysis measured.",
                code="same_person",
                field="person",
            )
        config = analysis_config(row.config, subject=person_id).to_dict()
        with patient_unit(patient_id) as unit:
            return request_in(
                unit, patient_id=patient_id, visit_id=row.visit_id, source=row.source, source_id=row.source_id,
                content_sha256=row.content_sha256, config=config, actor=actor_of(user),
            )  # fmt: skip
