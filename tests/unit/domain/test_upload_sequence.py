"""An uploaded video's landmark sequence is recorded once per visit."""

from __future__ import annotations

from uuid import uuid4

import pytest

from clinic.domain import commands as c
from clinic.domain import events as ev
from clinic.domain.errors import InvalidValue, NotFound
from tests.unit.domain.test_decide import PID, VISIT, decide, with_visit


def _store(**changes: object) -> c.StoreLandmarkSequence:
    fields: dict[str, object] = dict(
        visit_id=VISIT,
        sequence_sha256="c" * 64,
        source_id=uuid4(),
        frames=230,
        sampling_rate_hz=30.0,
        model="lite",
    )
    fields.update(changes)
    return c.StoreLandmarkSequence(**fields)  # type: ignore[arg-type]


def test_sequence_is_stored_once_per_visit() -> None:
    history = with_visit()
    command = _store()
    events = decide(history, command)
    assert events == [
        ev.LandmarkSequenceStored(
            patient_id=PID, visit_id=VISIT, sequence_sha256="c" * 64, source="upload",
            source_id=command.source_id, frames=230, fps=30.0, model="lite",
        )
    ]  # fmt: skip
    assert decide(history + events, _store()) == []
    assert len(decide(history + events, _store(sequence_sha256="d" * 64))) == 1


def test_sequence_needs_a_visit_frames_and_a_hash() -> None:
    with pytest.raises(NotFound):
        decide(with_visit(), _store(visit_id=uuid4()))
    with pytest.raises(InvalidValue):
        decide(with_visit(), _store(frames=0))
    with pytest.raises(InvalidValue):
        decide(with_visit(), _store(sequence_sha256="not-a-hash"))
