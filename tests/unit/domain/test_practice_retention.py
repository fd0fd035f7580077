"""Video retention is decided on the practice stream: off by default, changed only when it differs."""

from __future__ import annotations

from uuid import uuid4

import pytest

from clinic.domain.commands import OpenPractice, SetVideoRetention
from clinic.domain.errors import InvalidState
from clinic.domain.events import VideoRetentionChanged
from clinic.domain.practice import PracticeState, decide, evolve


def _opened() -> PracticeState:
    state = PracticeState()
    for event in decide(OpenPractice(practice_id=uuid4(), name="PT"), state):
        state = evolve(state, event)
    return state


def test_retention_is_off_by_default_and_switches_on_then_off() -> None:
    state = _opened()
    assert state.retain_video is False
    events = decide(SetVideoRetention(retain=True), state)
    assert events == [VideoRetentionChanged(practice_id=state.practice_id, retain=True)]
    state = evolve(state, events[0])
    assert state.retain_video is True
    assert decide(SetVideoRetention(retain=True), state) == []
    state = evolve(state, decide(SetVideoRetention(retain=False), state)[0])
    assert state.retain_video is False


def test_retention_needs_an_open_practice() -> None:
    with pytest.raises(InvalidState):
        decide(SetVideoRetention(retain=True), PracticeState())
