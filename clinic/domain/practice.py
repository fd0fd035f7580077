"""The practice stream: opening a practice and the staff who work in it.

Staff members are Django users with a role: ``therapist`` or ``admin``. The practice also
decides whether uploaded videos are kept after their analysis (``retain_video``, off by default:
a video is deleted once analysed).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import singledispatch
from uuid import UUID

from clinic.domain import identifiers, limits
from clinic.domain.commands import (
    AddStaffMember,
    Command,
    OpenPractice,
    SetPracticeBillingDetails,
    SetVideoRetention,
)
from clinic.domain.errors import InvalidState, InvalidValue
from clinic.domain.events import (
    DomainEvent,
    PracticeBillingDetailsChanged,
    PracticeOpened,
    StaffMemberJoined,
    VideoRetentionChanged,
)

ROLES = ("therapist", "admin")


@dataclass(frozen=True, kw_only=True)
class PracticeState:
    practice_id: UUID | None = None
    name: str = ""
    staff: frozenset[int] = field(default_factory=frozenset)
    retain_video: bool = False

    @property
    def exists(self) -> bool:
        return self.practice_id is not None


def evolve(state: PracticeState, event: DomainEvent) -> PracticeState:
    if isinstance(event, PracticeOpened):
        return replace(state, practice_id=event.practice_id, name=event.name)
    if isinstance(event, StaffMemberJoined):
        return replace(state, staff=state.staff | {event.user_id})
    if isinstance(event, VideoRetentionChanged):
        return replace(state, retain_video=event.retain)
    return state


@singledispatch
def decide(command: Command, state: PracticeState) -> list[DomainEvent]:
    raise TypeError(f"the practice stream does not handle {type(command).__name__}")


@decide.register
def _(command: OpenPractice, state: PracticeState) -> list[DomainEvent]:
    if state.exists:
        raise InvalidState("this practice is already open", code="practice_exists")
    name = limits.check_text(
        command.name, field="name", label="the practice name", max_chars=limits.PRACTICE_NAME_CHARS
    )
    if not name:
        raise InvalidValue("a practice needs a name", code="required", field="name")
    return [
        PracticeOpened(
            practice_id=command.practice_id,
            name=name,
            address=identifiers.check_address(command.address, field="address"),
            npi=identifiers.check_npi(command.npi, field="npi"),
        )
    ]


@decide.register
def _(command: AddStaffMember, state: PracticeState) -> list[DomainEvent]:
    if not state.exists or state.practice_id is None:
        raise InvalidState("the practice is not open", code="practice_missing")
    if command.role not in ROLES:
        raise InvalidValue(f"role must be one of {', '.join(ROLES)}", code="invalid_role", field="role")
    if command.user_id in state.staff:
        raise InvalidState("this user already works in the practice", code="already_staff")
    return [
        StaffMemberJoined(
            practice_id=state.practice_id,
            user_id=command.user_id,
            role=command.role,
            display_name=limits.check_text(
                command.display_name,
                field="display_name",
                label="the name",
                max_chars=limits.STAFF_NAME_CHARS,
            ),
            credentials=limits.check_text(
                command.credentials,
                field="credentials",
                label="the credentials",
                max_chars=limits.CREDENTIALS_CHARS,
            ),
            npi=identifiers.check_npi(command.npi, field="npi"),
            licence=identifiers.check_licence(command.licence, field="licence"),
        )
    ]


@decide.register
def _(command: SetPracticeBillingDetails, state: PracticeState) -> list[DomainEvent]:
    if not state.exists or state.practice_id is None:
        raise InvalidState("the practice is not open", code="practice_missing")
    return [
        PracticeBillingDetailsChanged(
            practice_id=state.practice_id,
            address=identifiers.check_address(command.address, field="address"),
            npi=identifiers.check_npi(command.npi, field="npi"),
        )
    ]


@decide.register
def _(command: SetVideoRetention, state: PracticeState) -> list[DomainEvent]:
    if not state.exists or state.practice_id is None:
        raise InvalidState("the practice is not open", code="practice_missing")
    if command.retain == state.retain_video:
        return []  # already so: nothing changes
    return [VideoRetentionChanged(practice_id=state.practice_id, retain=command.retain)]
