"""Events written straight into a store, bypassing the rules: what was recorded before a
validation existed, and what a projection must survive."""

from __future__ import annotations

import uuid
from typing import Any

from domain.conversations.conversation import Conversation
from domain.conversations.events import MessagePosted
from domain.conversations.rules import NO_PARENT


def commit_overflowing_message(store: Any) -> Conversation:
    """A conversation whose message has a token count beyond 64 bits, which no read model can
    store (the rules refuse it since; events recorded before they did remain)."""
    stuck = Conversation.start(uuid.uuid4(), uuid.uuid4())
    stuck._record(
        MessagePosted,
        user_id=stuck.user_id,
        message_id=uuid.uuid4(),
        parent_message_id=NO_PARENT,
        sender="User",
        is_created_by_user=True,
        token_count=2**70,
    )
    store.commit(stuck)
    return stuck
