"""Commands on all of a user's conversations at once (LibreChat's "delete all" and "archive
all", and the first step of closing an account). The ids come from the ConversationIndex,
which answers completely or not at all, so a lagging read model fails the command instead of
leaving some conversations out."""

from __future__ import annotations

from uuid import UUID

from application.conversations.conversations import Conversations, Done


class Bulk:
    def __init__(self, conversations: Conversations) -> None:
        self.conversations = conversations

    def delete_all(self, user_id: UUID) -> Done:
        """The ids deleted, as `Conversations.delete` answers."""
        ids = self.conversations.index.conversation_ids(user_id)
        return self.conversations.delete(user_id, ids)

    def archive_all(self, user_id: UUID) -> Done:
        """How many were archived; the position of the last one's events."""
        ids = self.conversations.index.conversation_ids(user_id, archived=False)
        archived = [self.conversations.archive(user_id, cid, True) for cid in ids]
        return Done(len(archived), archived[-1].position if archived else None)
