"""Snapshots carry an aggregate's full state and restore it exactly."""

from __future__ import annotations

import uuid

from domain.conversations.conversation import Conversation
from domain.conversations.rules import NO_PARENT
from domain.shared.aggregate import Snapshot


def test_snapshot_restores_the_same_conversation() -> None:
    # Given a conversation with a tagged, titled thread and feedback
    convo = Conversation.start(uuid.uuid4(), uuid.uuid4(), endpoint="openAI")
    parent = NO_PARENT
    for i in range(5):
        message = uuid.uuid4()
        convo.post(
            message,
            parent,
            sender="User",
            is_created_by_user=i % 2 == 0,
            text=f"m{i}",
            content=[{"type": "text", "text": f"m{i}"}],
        )
        parent = message
    convo.give_feedback(parent, {"rating": "thumbsUp", "tag": "accurate_reliable"})
    convo.tag(["work"])
    convo.retitle("Plans")
    # When a snapshot is taken and restored
    restored = Conversation.project(None, [Snapshot.take(convo)])
    # Then every attribute matches
    assert restored is not None
    assert restored.version == convo.version
    assert restored.messages == convo.messages
    assert (restored.title, restored.tags, restored.user_id) == (
        convo.title,
        convo.tags,
        convo.user_id,
    )
    assert restored.created_at == convo.created_at
