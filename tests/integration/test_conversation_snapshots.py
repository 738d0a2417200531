"""A long conversation loads from its latest snapshot, not from all of its events."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from domain.conversations.conversation import Conversation
from domain.conversations.rules import NO_PARENT


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_long_conversation_loads_from_a_snapshot(
    kind: str, container_for: Callable[..., object]
) -> None:
    # Given a conversation of 1,000 messages (ten snapshot intervals) saved in batches of 250
    # (no aggregate cache: this is about the store's own path; `make bench` times 5,000)
    container = container_for(kind, aggregate_cache_size=0)
    store = container.stores["conversations"]  # type: ignore[attr-defined]
    convo = Conversation.start(uuid.uuid4(), uuid.uuid4())
    parent = NO_PARENT
    for i in range(1000):
        message = uuid.uuid4()
        convo.post(message, parent, sender="User", is_created_by_user=True, text=f"m{i}")
        parent = message
        if i % 250 == 249:
            store.commit(convo)
    store.commit(convo)
    # When it is loaded again (how fast is `make bench`'s business: a clock here is flaky)
    loaded = store.load(Conversation, convo.id)
    # Then it is complete, and came from a snapshot taken on the way
    assert len(loaded.messages) == 1000 and loaded.version == convo.version
    snapshots = list(store.snapshots.get(convo.id, desc=True, limit=1))
    assert snapshots and snapshots[0].originator_version >= convo.version - 100
