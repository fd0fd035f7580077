"""Signed means locked: given a signed visit, when anything attaches to it, then a refusal that
offers an addendum visit or an amendment; results that finish after signing enter the record only
through a signed amendment."""

from __future__ import annotations

from uuid import uuid4

import pytest

from clinic.domain import commands as c
from clinic.domain import events as ev
from clinic.domain.errors import InvalidValue, VisitLocked
from clinic.domain.visits import ATTESTATION
from tests.unit.domain.test_analyses import CONFIG, NOW, SEQ, SHA, complete, requested
from tests.unit.domain.test_decide import GOAL, PID, THERAPIST, VISIT, decide, goal, with_visit

SIGNED_AT = ev.VisitNoteSigned(
    patient_id=PID, visit_id=VISIT, signed_by=THERAPIST, signer_name="T", credentials="PT", signed_at=NOW
)
GAIT = ev.MetricValue(metric="gait_speed", value=1.1, unit="m/s", quality="good", view="sagittal")
KNEE = ev.MetricValue(metric="knee_flexion_rom", value=68.61, unit="deg", side="left", quality="fair")


def _refused(history: list[ev.DomainEvent], command: c.Command) -> VisitLocked:
    with pytest.raises(VisitLocked) as err:
        decide(history, command)
    assert err.value.code == "visit_signed"
    assert "amend" in err.value.message
    return err.value


@pytest.mark.parametrize(
    "command",
    [
        c.UploadVideo(
            visit_id=VISIT,
            content_sha256=SHA,
            media_type="video/mp4",
            size_bytes=10,
            original_name="squat.mp4",
        ),
        c.StartRecording(visit_id=VISIT, exercise="squat", model="full", mode="server", now=NOW),
        c.StoreLandmarkSequence(
            visit_id=VISIT,
            sequence_sha256=SEQ,
            source_id=uuid4(),
            frames=10,
            sampling_rate_hz=30.0,
            model="full",
        ),
        c.RequestAnalysis(
            visit_id=VISIT, source="upload", source_id=uuid4(), content_sha256=SHA, config=CONFIG
        ),
        c.RecordMeasurement(visit_id=VISIT, metric="gait_speed", value=1.0, unit="m/s"),
        c.WriteVisitNote(visit_id=VISIT, note=ev.SoapNote(plan="changed")),
    ],
    ids=["upload", "recording", "landmarks", "analysis", "measurement", "note"],
)
def test_nothing_attaches_to_a_signed_visit(command: c.Command) -> None:
    error = _refused(with_visit(signed=True), command)
    assert "Record a new visit as an addendum, or amend the signed note." in error.message
    assert decide(with_visit(), command)  # the same command on the unsigned visit is decided


def test_an_analysis_requested_before_signing_still_records_its_results_as_preliminary() -> None:
    req = requested()
    history = [*with_visit(), req, SIGNED_AT]
    sequence = c.StoreLandmarkSequence(
        visit_id=VISIT, sequence_sha256=SEQ, source_id=req.source_id, frames=10, sampling_rate_hz=30.0,
        model="full",
    )  # fmt: skip
    [stored] = decide(history, sequence)
    assert isinstance(stored, ev.LandmarkSequenceStored)
    [completed] = decide(history, complete(req.analysis_id, KNEE))
    assert isinstance(completed, ev.AnalysisCompleted)  # preliminary: no MeasurementRecorded with it


def _after_signing() -> tuple[list[ev.DomainEvent], ev.AnalysisRequested]:
    req = requested()
    history = [*with_visit(), goal(target=1.0), req, SIGNED_AT]
    history += decide(history, complete(req.analysis_id, GAIT, KNEE))
    return history, req


def _review(analysis_id, index: int, decision: str) -> c.ReviewAnalysisValue:  # type: ignore[no-untyped-def]
    return c.ReviewAnalysisValue(
        analysis_id=analysis_id, index=index, decision=decision, reviewer_id=THERAPIST, reviewer_name="T",
        reviewer_credentials="PT", now=NOW, reason="not this one" if decision == "reject" else "",
    )  # fmt: skip


def test_a_value_is_not_accepted_under_a_signed_note() -> None:
    """The defect: "Squat depth: 68.61 deg" appeared under a signed note without an amendment."""
    history, req = _after_signing()
    error = _refused(history, _review(req.analysis_id, 1, "accept"))
    assert "through a signed amendment" in error.message
    [rejected] = decide(history, _review(req.analysis_id, 1, "reject"))  # rejecting records nothing
    assert isinstance(rejected, ev.AnalysisValueReviewed) and rejected.value is None


def _amend(
    req: ev.AnalysisRequested, *reviews: c.ValueReview, attestation: str = ATTESTATION
) -> c.AmendVisitNote:
    return c.AmendVisitNote(
        visit_id=VISIT, reason="video results arrived after signing", note=ev.SoapNote(), amended_by=THERAPIST,
        now=NOW, signer_name="T", credentials="PT", attestation=attestation, reviews=reviews,
    )  # fmt: skip


def test_results_after_signing_enter_the_record_through_a_signed_amendment() -> None:
    history, req = _after_signing()
    command = _amend(
        req,
        c.ValueReview(analysis_id=req.analysis_id, index=0, decision="accept"),
        c.ValueReview(analysis_id=req.analysis_id, index=1, decision="edit", value=70.0, reason="goniometer"),
    )
    amended, *rest = decide(history, command)
    assert isinstance(amended, ev.VisitNoteAmended)
    assert (amended.signer_name, amended.credentials, amended.attestation) == ("T", "PT", ATTESTATION)
    measured = [e for e in rest if isinstance(e, ev.MeasurementRecorded)]
    assert [(m.metric, m.value) for m in measured] == [("gait_speed", 1.1), ("knee_flexion_rom", 70.0)]
    assert all(m.amendment_id == command.amendment_id for m in measured)
    assert amended.measurement_ids == tuple(m.measurement_id for m in measured)
    assert [e.goal_id for e in rest if isinstance(e, ev.GoalAchieved)] == [GOAL]
    # A value is reviewed once, also across amendments.
    again = _amend(req, c.ValueReview(analysis_id=req.analysis_id, index=0, decision="accept"))
    with pytest.raises(Exception, match="already reviewed"):
        decide([*history, amended, *rest], again)


def test_an_amendment_is_signed_with_the_attestation() -> None:
    history, req = _after_signing()
    with pytest.raises(InvalidValue) as err:
        decide(
            history,
            _amend(
                req, c.ValueReview(analysis_id=req.analysis_id, index=0, decision="accept"), attestation=""
            ),
        )
    assert err.value.code == "attestation_required"


def test_signing_records_the_attestation_and_waits_for_a_running_recording() -> None:
    sign = c.SignVisitNote(
        visit_id=VISIT,
        signer_id=THERAPIST,
        signer_name="T",
        credentials="PT",
        now=NOW,
        attestation=ATTESTATION,
    )
    [signed] = decide(with_visit(), sign)
    assert isinstance(signed, ev.VisitNoteSigned) and signed.attestation == ATTESTATION
    with pytest.raises(InvalidValue):
        decide(with_visit(), c.SignVisitNote(**{**sign.__dict__, "attestation": ""}))
    running = ev.RecordingStarted(
        patient_id=PID, visit_id=VISIT, recording_id=uuid4(), exercise="squat", model="full", mode="server",
        started_at=NOW,
    )  # fmt: skip
    with pytest.raises(Exception, match="stop it before signing"):
        decide([*with_visit(), running], sign)


def test_a_note_signed_before_attestations_stays_readable() -> None:
    data = SIGNED_AT.to_data()
    del data["attestation"]
    old = ev.event_from_data("VisitNoteSigned", data)
    assert isinstance(old, ev.VisitNoteSigned) and old.attestation == ""
    amended = ev.event_from_data(
        "VisitNoteAmended",
        {"patient_id": str(PID), "visit_id": str(VISIT), "amendment_id": str(uuid4()), "reason": "typo",
         "note": {"plan": "x"}, "amended_by": THERAPIST, "amended_at": NOW.isoformat()},
    )  # fmt: skip
    assert isinstance(amended, ev.VisitNoteAmended) and amended.measurement_ids == ()
