"""NPIs checked by their Luhn check digit; practice and staff events stored before the billing
identifiers existed still read."""

from __future__ import annotations

from uuid import UUID

import pytest

from clinic.domain import commands as c
from clinic.domain import events as ev
from clinic.domain.errors import InvalidValue
from clinic.domain.identifiers import check_npi, npi_valid
from clinic.domain.practice import PracticeState, decide, evolve

PRACTICE = UUID("00000000-0000-0000-0000-0000000000aa")


@pytest.mark.parametrize("npi", ["1234567893", "1245319599"])  # CMS's published examples
def test_published_npis_are_valid(npi: str) -> None:
    assert npi_valid(npi)


@pytest.mark.parametrize("npi", ["1234567890", "123456789", "12345678930", "12345678a3", "\uff11234567893"])
def test_a_wrong_check_digit_or_shape_is_refused(npi: str) -> None:
    assert not npi_valid(npi)
    with pytest.raises(InvalidValue) as refused:
        check_npi(npi, field="npi")
    assert refused.value.code == "invalid_npi"


def test_a_therapist_joins_with_npi_and_licence() -> None:
    state = evolve(PracticeState(), ev.PracticeOpened(practice_id=PRACTICE, name="Riverside"))
    events = decide(
        c.AddStaffMember(
            user_id=7,
            role="therapist",
            display_name="Tess",
            credentials="PT",
            npi=" 1234567893 ",
            licence="PT 1 (IL)",
        ),
        state,
    )
    assert events == [
        ev.StaffMemberJoined(
            practice_id=PRACTICE, user_id=7, role="therapist", display_name="Tess", credentials="PT",
            npi="1234567893", licence="PT 1 (IL)",
        )
    ]  # fmt: skip


def test_events_stored_before_the_identifiers_still_read() -> None:
    opened = ev.event_from_data("PracticeOpened", {"practice_id": str(PRACTICE), "name": "Riverside"})
    assert (opened.address, opened.npi) == ("", "")  # type: ignore[attr-defined]
    joined = ev.event_from_data(
        "StaffMemberJoined",
        {
            "practice_id": str(PRACTICE),
            "user_id": 7,
            "role": "therapist",
            "display_name": "T",
            "credentials": "PT",
        },
    )
    assert (joined.npi, joined.licence) == ("", "")  # type: ignore[attr-defined]
    note = ev.event_from_data(
        "VisitNoteWritten",
        {"patient_id": str(PRACTICE), "visit_id": str(PRACTICE), "note": {"subjective": "s"}},
    )
    assert note.note.prognosis == ""  # type: ignore[attr-defined]


def test_the_billing_details_of_an_open_practice_are_set_and_checked() -> None:
    state = evolve(PracticeState(), ev.PracticeOpened(practice_id=PRACTICE, name="Riverside"))
    events = decide(c.SetPracticeBillingDetails(address=" 200 River Road ", npi="1234567893"), state)
    assert events == [
        ev.PracticeBillingDetailsChanged(practice_id=PRACTICE, address="200 River Road", npi="1234567893")
    ]
    with pytest.raises(InvalidValue):
        decide(c.SetPracticeBillingDetails(address="", npi="1234567890"), state)
