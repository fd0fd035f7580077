"""Domain errors: a command that breaks a rule is refused with a reason a user can act on."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A command was refused. ``code`` is stable for clients; ``message`` is for people."""

    code = "rule_violated"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class InvalidValue(DomainError):
    """A field of the command has a wrong value (unknown code, out of range, wrong unit)."""

    code = "invalid_value"


class InvalidState(DomainError):
    """The command is not allowed in the current state (discharged, signed, ...)."""

    code = "invalid_state"


class NotFound(DomainError):
    """The command refers to something that does not exist in this stream."""

    code = "not_found"


class NotPermitted(DomainError):
    """The actor's role does not allow the command (an administrator writing clinical content)."""

    code = "not_permitted"


class VisitLocked(InvalidState):
    """The visit's note is signed: nothing attaches to it except an amendment."""

    code = "visit_signed"
