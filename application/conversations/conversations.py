"""A user's conversations: start, rename, archive, pin, delete. Every command loads one
aggregate, decides, and saves, retrying on a concurrent write; the other conversation use
cases (messages, tags, bulk, copies) change conversations through `change` here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar
from uuid import UUID

from application.conversations.ports import ConversationIndex
from application.shared.store import EventStore, Position, retry_on_conflict
from domain.conversations.conversation import Conversation
from domain.conversations.rules import TEMPORARY_CHAT_RETENTION
from domain.shared.errors import NotFound

T = TypeVar("T")


@dataclass(frozen=True)
class Done:
    """A command's answer: what it produced and where its events landed."""

    value: Any
    position: Position | None


class Conversations:
    def __init__(
        self,
        store: EventStore,
        index: ConversationIndex,
        temporary_retention: timedelta = TEMPORARY_CHAT_RETENTION,
    ) -> None:
        self.store = store
        self.index = index
        self.temporary_retention = temporary_retention  # LibreChat's temporaryChatRetention

    def get(self, user_id: UUID, conversation_id: UUID) -> Conversation:
        """The caller's own conversation, else NotFound (others' chats don't exist for them)."""
        try:
            conversation = self.store.load(Conversation, conversation_id)
        except NotFound:
            raise NotFound("Conversation not found") from None
        if conversation.deleted or conversation.user_id != user_id:
            raise NotFound("Conversation not found")
        return conversation

    def start(self, user_id: UUID, conversation_id: UUID, **fields: Any) -> Done:
        fields.setdefault("retention", self.temporary_retention)
        conversation = Conversation.start(conversation_id, user_id, **fields)
        return Done(conversation, self.store.commit(conversation, actor=user_id))

    def retitle(
        self, user_id: UUID, conversation_id: UUID, title: object, generated: bool = False
    ) -> Done:
        """`generated`: the title was made for the user (title worker), not typed by them."""
        return self.change(user_id, conversation_id, lambda c: c.retitle(title, generated))

    def change_settings(
        self,
        user_id: UUID,
        conversation_id: UUID,
        endpoint: str | None,
        model: str | None,
        settings: dict[str, Any],
    ) -> Done:
        """A turn's endpoint, model and model settings (temperature, endpointType, …) kept on
        the conversation, as LibreChat saves them with every turn; unchanged ones record
        nothing."""
        return self.change(
            user_id, conversation_id, lambda c: c.change_settings(endpoint, model, settings)
        )

    def archive(self, user_id: UUID, conversation_id: UUID, archived: bool) -> Done:
        return self.change(user_id, conversation_id, lambda c: c.archive(archived))

    def pin(self, user_id: UUID, conversation_id: UUID, pinned: bool) -> Done:
        return self.change(user_id, conversation_id, lambda c: c.pin(pinned))

    def delete(self, user_id: UUID, conversation_ids: Iterable[UUID]) -> Done:
        """The ids actually deleted: others' and unknown ones are skipped, not refused."""
        deleted = [cid for cid in conversation_ids if self._delete_one(user_id, cid)]
        return Done(deleted, None)

    def change(
        self, user_id: UUID, conversation_id: UUID, decide: Callable[[Conversation], T]
    ) -> Done:
        """Load the caller's conversation, let `decide` change it, commit; the answer's value
        is what `decide` returned, or the conversation when it returned nothing."""

        def attempt() -> Done:
            conversation = self.get(user_id, conversation_id)
            value = decide(conversation)
            position = self.store.commit(conversation, actor=user_id)
            return Done(value if value is not None else conversation, position)

        return retry_on_conflict(attempt)

    def _delete_one(self, user_id: UUID, conversation_id: UUID) -> bool:
        try:
            self.change(user_id, conversation_id, lambda c: c.delete())
        except NotFound:
            return False
        return True
