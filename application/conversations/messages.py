"""Messages in a conversation: post, edit (the whole text or one content part), feedback,
delete, branch one agent's parts out of a parallel answer, edit an artifact. Each is one
change of the conversation aggregate (application/conversations/conversations.py), so the
rules on the tree of messages live in the domain."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.conversations.conversations import Conversations, Done
from domain.conversations import branching
from domain.conversations.conversation import Conversation, Message
from domain.shared.errors import Invalid, NotFound


@dataclass(frozen=True)
class Placed:
    """A message changed by a route that named it without its conversation."""

    conversation_id: UUID
    message: Message


class Messages:
    def __init__(self, conversations: Conversations) -> None:
        self.conversations = conversations

    def post_message(
        self,
        user_id: UUID,
        conversation_id: UUID,
        message_id: UUID,
        parent_message_id: UUID,
        *,
        sender: str,
        is_created_by_user: bool,
        text: str,
        **fields: Any,
    ) -> Done:
        return self.conversations.change(
            user_id,
            conversation_id,
            lambda c: c.post(
                message_id,
                parent_message_id,
                sender=sender,
                is_created_by_user=is_created_by_user,
                text=text,
                **fields,
            ),
        )

    def edit_message(
        self,
        user_id: UUID,
        conversation_id: UUID,
        message_id: UUID,
        text: str,
        index: int | None = None,
    ) -> Done:
        """`index`: the content part edited; without it the text (and its first text part)."""

        def edit(c: Conversation) -> Message:
            message = c.message(message_id)
            if index is None:
                return c.edit(message_id, text, _replace_text(message.content, text))
            content = _edit_part(message.content, index, text)
            return c.edit(message_id, _joined(content, message.text), content)

        return self.conversations.change(user_id, conversation_id, edit)

    def give_feedback(
        self, user_id: UUID, conversation_id: UUID, message_id: UUID, feedback: object
    ) -> Done:
        return self.conversations.change(
            user_id, conversation_id, lambda c: c.give_feedback(message_id, feedback)
        )

    def branch(self, user_id: UUID, message_id: UUID, agent_id: str) -> Done:
        """A new answer beside a parallel one, with only `agent_id`'s parts (LibreChat names
        the source message by id alone: the caller's conversation holding it is looked up)."""
        conversation_id = self._holding(user_id, message_id, "Source message not found")
        new_id = uuid.uuid4()
        return self.conversations.change(
            user_id,
            conversation_id,
            lambda c: Placed(c.id, branching.branch(c, message_id, agent_id, new_id)),
        )

    def edit_artifact(
        self, user_id: UUID, message_id: UUID, index: int, original: str, updated: str
    ) -> Done:
        conversation_id = self._holding(user_id, message_id, "Message not found")
        return self.conversations.change(
            user_id,
            conversation_id,
            lambda c: Placed(
                c.id, branching.edit_artifact(c, message_id, index, original, updated)
            ),
        )

    def _holding(self, user_id: UUID, message_id: UUID, missing: str) -> UUID:
        found = self.conversations.index.conversation_of_message(user_id, message_id)
        if found is None:
            raise NotFound(missing)
        return found

    def delete_message(self, user_id: UUID, conversation_id: UUID, message_id: UUID) -> Done:
        return self.conversations.change(
            user_id, conversation_id, lambda c: c.delete_message(message_id)
        )


def _edit_part(content: list[dict[str, Any]] | None, index: int, text: str) -> list[dict[str, Any]]:
    parts = [dict(p) for p in content or []]
    if not 0 <= index < len(parts) or parts[index].get("type") not in ("text", "think"):
        raise Invalid("Invalid index")
    part = parts[index]
    part[part["type"]] = text
    return parts


def _replace_text(content: list[dict[str, Any]] | None, text: str) -> list[dict[str, Any]] | None:
    if not content:
        return content
    parts = [dict(p) for p in content]
    for part in parts:
        if part.get("type") == "text":
            part["text"] = text
            break
    return parts


def _joined(content: list[dict[str, Any]], fallback: str) -> str:
    texts = [
        p["text"] for p in content if p.get("type") == "text" and isinstance(p.get("text"), str)
    ]
    return "".join(texts) if texts else fallback
