"""What the conversation use cases read from the read models."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID


class ConversationIndex(Protocol):
    """Ids of a user's conversations, for commands that touch many of them at once."""

    def conversation_ids(
        self, user_id: UUID, *, archived: bool | None = None, tag: str | None = None
    ) -> list[UUID]: ...
