"""Read-your-writes: a query waits for the caller's own writes, and only asks the database
when the positions it has already seen do not cover them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any


def test_a_covered_mark_needs_no_position_query(container_for: Callable[..., Any]) -> None:
    container = container_for("sqlite", workers=True)
    consistency, engine = container.consistency, container.projections
    user = uuid.uuid4()
    container.conversations.start(user, uuid.uuid4(), endpoint="echo", model="echo")
    calls = []
    positions = engine.positions

    def counting(name: str) -> dict[str, int]:
        calls.append(name)
        return positions(name)

    engine.positions = counting
    # The first wait has to look at the database
    assert consistency.wait(user, ["conversation_list"]) is True
    first = len(calls)
    assert first >= 1
    # The same mark again is covered by what was seen: no query
    assert consistency.wait(user, ["conversation_list"]) is True
    assert len(calls) == first
    # A new write moves the mark past it: the next wait looks again, and sees the write
    convo = uuid.uuid4()
    container.conversations.start(user, convo, endpoint="echo", model="echo")
    assert consistency.wait(user, ["conversation_list"]) is True
    assert len(calls) > first
    assert str(convo) in {str(c) for c in container.conversations.index.conversation_ids(user)}
