"""What the conversation use cases read from the read models."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class ConversationIndex(Protocol):
    """Ids of a user's conversations, for commands that touch many of them at once."""

    def conversation_ids(
        self, user_id: UUID, *, archived: bool | None = None, tag: str | None = None
    ) -> list[UUID]: ...

    def updated_between(self, since: datetime, until: datetime) -> list[tuple[UUID, UUID]]:
        """(user id, conversation id) of conversations last changed in [since, until]."""
        ...
