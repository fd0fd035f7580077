"""Recording an analysis computed elsewhere (the demo practice's outcome-test analyses, made by
``fixtures/make_demo_outcome_tests.py`` with the same analysis step the task runs): the request and
its results in one append, as the task would record them, without a video or a queued job.

The values stay preliminary until a clinician reviews them, like any analysis's.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from uuid import UUID, uuid5

from clinic.analysis_jobs.config import analysis_config
from clinic.domain import commands as c
from clinic.domain.events import MetricValue, WithheldValue
from clinic.domain.roles import system_actor
from clinic.eventstore.context import execution_context
from clinic.services.analysis import analysis_id_for, complete_in
from clinic.services.streams import patient_unit

_NAMESPACE = UUID("5b0d7c1e-3f61-4f0e-9a57-0c2d7f1f6a11")


def analysis_record_computed(
    *,
    patient_id: UUID,
    visit_id: UUID,
    config: dict[str, Any],
    metrics: list[dict[str, Any]],
    withheld: list[dict[str, Any]],
    summary: dict[str, Any],
    software_version: str,
    actor: str = "system:demo",
) -> UUID:
    """Request and complete one analysis of ``summary``'s recording on a visit; returns its id.
    Deterministic: the same results on the same visit are the same analysis."""
    canonical = analysis_config(config).to_dict()
    content = hashlib.sha256(json.dumps(summary, sort_keys=True).encode()).hexdigest()
    analysis_id = analysis_id_for(
        patient_id=patient_id, visit_id=visit_id, content_sha256=content, config=canonical, attempt=0
    )
    with execution_context(actor=actor), patient_unit(patient_id) as unit:
        if analysis_id in unit.state.analyses:
            return analysis_id
        unit.decide(
            c.RequestAnalysis(
                visit_id=visit_id, source="upload", source_id=uuid5(_NAMESPACE, content),
                content_sha256=content, config=canonical, analysis_id=analysis_id,
                actor=system_actor(actor),
            ),
            id_seed=analysis_id,
            label="requested",
        )  # fmt: skip
        complete_in(
            unit,
            analysis_id=analysis_id,
            software_version=software_version,
            # No landmark blob is stored with it: the hash names the computed results.
            sequence_sha256=hashlib.sha256(f"sequence:{content}".encode()).hexdigest(),
            metrics=tuple(MetricValue(**m) for m in metrics),
            summary=summary,
            withheld=tuple(WithheldValue(**w) for w in withheld),
            stored_sequence=None,
        )
    return analysis_id
