"""A signed document prints the attestation its signer affirmed, and a goal marked entered-in-error
(set by mistake) is neither printed nor charted, while the JSON export keeps it with its status."""

from __future__ import annotations

import io
from dataclasses import replace

from pypdf import PdfReader

from clinic.domain.visits import ATTESTATION
from clinic.reports import pdf, tables
from tests.unit.reports.records import record


def _text(content: bytes) -> str:
    return " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(content)).pages)


def test_the_signature_line_carries_the_attested_statement() -> None:
    base = record()
    attested = replace(base, visits=tuple(replace(v, attestation=ATTESTATION) for v in base.visits))
    words = " ".join(_text(pdf.render(attested, "discharge")).split())
    assert "Attestation: " + " ".join(ATTESTATION.split())[:40] in words
    assert "Attestation:" not in _text(pdf.render(base, "discharge"))  # signed before statements


def test_a_goal_entered_in_error_is_not_printed_but_is_exported_with_its_status() -> None:
    base = record()
    first, second = (
        replace(g, description=f"Goal number {i} of the episode") for i, g in enumerate(base.goals)
    )
    mistaken = replace(base, goals=(first, replace(second, lifecycle_status="entered-in-error")))
    text = _text(pdf.render(mistaken, "progress"))
    assert first.description in text and second.description not in text
    kept = _text(pdf.render(replace(mistaken, goals=(first, second)), "progress"))
    assert second.description in kept  # the same goal while it was not marked
    assert mistaken.charted_goals == (first,)
    exported = {g["goal_id"]: g["lifecycle_status"] for g in tables.metrics_json(mistaken)["goals"]}
    assert exported[second.goal_id] == "entered-in-error"
