"""Schemathesis over the served OpenAPI schema (``/api/schema/``), in-process through the WSGI app.

The caller is the demo therapist ``amorgan`` with an API token. Path ids are drawn either by
schemathesis (unknown ids: 404) or from the therapist's own patients, visits and goals, and a
body's ``expected_version`` is sometimes the patient's current one, so writes get past the
visibility and version checks into the services. Examples are positive (schema-valid) and
negative (schema-violating) alike. Four checks run on every response:
``not_a_server_error``, ``status_code_conformance``, ``content_type_conformance`` and
``response_schema_conformance``.

``make fuzz`` runs it with ``FUZZ_MAX_EXAMPLES=50`` examples per operation; in the test suite it
runs ``FUZZ_MAX_EXAMPLES`` (default 3). Either way it prints the examples run and the failures
per check.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from clinic.management.commands.load_demo import DEMO, load

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "3"))
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)
THERAPIST = "amorgan"

# Resumable-upload chunks (tus PATCH) are raw bytes.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")


@dataclass
class Demo:
    """The demo therapist, a token, and the records the therapist may see."""

    user: Any
    token: str
    patients: list[UUID]
    visits: dict[UUID, list[UUID]]
    goals: dict[UUID, list[UUID]]
    examples: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)

    def new_token(self) -> None:
        from knox.models import AuthToken

        self.token = AuthToken.objects.create(self.user)[1]


def _demo_subset(*, patients: int, visits: int) -> dict[str, Any]:
    """The demo practice with the first ``patients`` of the therapist, each with its first ``visits``
    visits (the whole demo takes minutes to replay)."""
    demo = json.loads(DEMO.read_text())
    mine = [p for p in demo["patients"] if p["therapist"] == THERAPIST][:patients]
    others = [p for p in demo["patients"] if p["therapist"] != THERAPIST][:1]  # someone else's patient
    demo["patients"] = [{**p, "visits": p["visits"][:visits]} for p in mine + others]
    return demo


@pytest.fixture
def demo(capsys: pytest.CaptureFixture[str]) -> Iterator[Demo]:
    from django.contrib.auth import get_user_model

    from clinic import selectors
    from clinic.projections.models import GoalView, VisitView

    load(_demo_subset(patients=2, visits=5), today=date.today())
    user = get_user_model().objects.get(username=THERAPIST)
    patients = [row.patient.patient_id for row in selectors.caseload(user=user, offset=0, limit=500).rows]
    visits = {
        p: list(VisitView.objects.filter(patient_id=p).values_list("visit_id", flat=True)) for p in patients
    }
    goals = {
        p: list(GoalView.objects.filter(patient_id=p).values_list("goal_id", flat=True)) for p in patients
    }
    found = Demo(user=user, token="", patients=patients, visits=visits, goals=goals)
    found.new_token()
    yield found
    with capsys.disabled():  # the counts are the point of `make fuzz`: show them even when it passes
        print(
            f"\nfuzz: {sum(found.examples.values())} examples over {len(found.examples)} operations "
            f"({MAX_EXAMPLES} per operation requested); statuses {dict(sorted(found.statuses.items()))}"
        )
        for check in CHECKS:
            print(f"fuzz failures {check.__name__}: {found.failures[check.__name__]}")


def _own_ids(case: Any, demo: Demo, data: st.DataObject) -> None:
    """Replace the drawn path ids with the therapist's own records (a consistent patient/visit/goal)."""
    params = case.path_parameters or {}
    if "patient_id" not in params or not data.draw(st.booleans(), label="own records"):
        return
    patient = data.draw(st.sampled_from(demo.patients), label="patient")
    params["patient_id"] = str(patient)
    for name, pool in (("visit_id", demo.visits[patient]), ("goal_id", demo.goals[patient])):
        if name in params and pool:
            params[name] = str(data.draw(st.sampled_from(pool), label=name))
    if isinstance(case.body, dict) and "expected_version" in case.body and data.draw(st.booleans()):
        from clinic.projections.models import PatientSummary

        case.body["expected_version"] = PatientSummary.objects.get(patient_id=patient).stream_version


def _check(case: Any, response: Any, demo: Demo) -> None:
    demo.examples[case.operation.label] += 1
    demo.statuses[response.status_code] += 1
    failed = []
    for check in CHECKS:
        try:
            case.validate_response(response, checks=[check])
        except (AssertionError, FailureGroup) as exc:
            demo.failures[check.__name__] += 1
            failed.append(f"{check.__name__}: {exc}")
    assert not failed, "\n".join(failed)


def _fuzz(operation: Any, demo: Demo) -> None:
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )

    @given(case=strategy, data=st.data())
    @settings(
        max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case: Any, data: st.DataObject) -> None:
        _own_ids(case, demo, data)
        response = case.call(headers={"Authorization": f"Token {demo.token}"})
        if "/auth/token/revoke" in operation.path and response.status_code < 300:
            demo.new_token()  # the fuzzer revoked the token it works with
        _check(case, response, demo)

    run()


def test_api_conforms_to_its_schema(demo: Demo) -> None:
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", get_wsgi_application(), headers={"Authorization": f"Token {demo.token}"}
    )
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            _fuzz(operation, demo)
        except (Exception, FailureGroup) as exc:  # every operation is fuzzed; failures reported together
            failures.append(f"{operation.label}: {exc}")
    assert len(demo.examples) >= 25, sorted(demo.examples)
    assert not failures, "\n\n".join(failures)
