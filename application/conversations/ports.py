"""What the conversation use cases read from the read models."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class ConversationIndex(Protocol):
    """Ids of a user's conversations, for commands that touch many of them at once. The list
    is complete as of the call (every conversation committed before it is in), or the call
    raises Unavailable: a bulk command never skips a conversation silently."""

    def conversation_ids(
        self,
        user_id: UUID,
        *,
        archived: bool | None = None,
        tag: str | None = None,
        project: str | None = None,
    ) -> list[UUID]: ...

    def unanswered_between(self, since: datetime, until: datetime) -> list[tuple[UUID, UUID]]:
        """(user id, conversation id) of conversations last changed in [since, until] whose
        newest message is the user's (candidates: the aggregate decides)."""
        ...

    def conversation_of_message(self, user_id: UUID, message_id: UUID) -> UUID | None:
        """The caller's conversation holding a message with this id (after the caller's own
        writes), or None."""
        ...

    def expired_temporary(self, until: datetime) -> list[tuple[UUID, UUID]]:
        """(user id, conversation id) of temporary chats whose retention ended by `until`,
        a bounded batch (the caller repeats until it is empty)."""
        ...
