"""The analyses read model and reviews: stored events from before review stay final; rebuilds agree."""

from __future__ import annotations

from uuid import uuid5

import pytest
from django.core.management import call_command

from clinic.domain.errors import InvalidState
from clinic.domain.events import MeasurementRecorded, MetricValue
from clinic.eventstore import store
from clinic.eventstore.store import NewEvent
from clinic.projections import models as rm
from clinic.projections.runner import catch_up
from clinic.services.streams import patient_stream, refresh_read_models
from tests.factories import make_evaluation, make_patient, make_practice, review_value, store_analysis
from tests.integration.test_projections import snapshot

pytestmark = pytest.mark.django_db(transaction=True)

VALUES = (
    MetricValue(metric="gait_speed", value=0.9, unit="m/s"),
    MetricValue(metric="cadence", value=101.0, unit="steps/min"),
)


def test_values_recorded_before_review_existed_read_as_final_and_cannot_be_reviewed_again() -> None:
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    analysis_id = store_analysis(patient.id, visit_id, VALUES)
    # What the earlier code appended right after AnalysisCompleted: the first value as a measurement.
    legacy = MeasurementRecorded(
        patient_id=patient.id, visit_id=visit_id, measurement_id=uuid5(analysis_id, "0:gait_speed:"),
        metric="gait_speed", value=0.9, unit="m/s", measured_on=rm.VisitView.objects.get(visit_id=visit_id).visit_date,
        method="video", analysis_id=analysis_id,
    )  # fmt: skip
    store.append(
        patient_stream(patient.id),
        [NewEvent(event_type="MeasurementRecorded", data=legacy.to_data())],
        expected_version=None,
    )
    refresh_read_models()
    reviews = rm.AnalysisView.objects.get(analysis_id=analysis_id).reviews
    assert set(reviews) == {"0"} and reviews["0"]["status"] == "final"
    with pytest.raises(InvalidState):
        review_value(practice.therapist, patient.id, analysis_id, 0)
    review_value(practice.therapist, patient.id, analysis_id, 1, "reject", reason="counted arm swings")
    incremental = snapshot()
    assert {
        k: v["status"] for k, v in rm.AnalysisView.objects.get(analysis_id=analysis_id).reviews.items()
    } == {
        "0": "final",
        "1": "rejected",
    }
    call_command("rebuild_projections")
    assert snapshot() == incremental
    assert catch_up() == 0
