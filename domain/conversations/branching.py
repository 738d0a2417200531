"""Branching one agent's part out of a parallel answer, and editing an artifact in place:
LibreChat's `POST /api/messages/branch` and `POST /api/messages/artifact/:messageId`, decided on
the conversation that holds the message."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.conversations import artifacts
from domain.conversations.conversation import Conversation, Message
from domain.shared.errors import Invalid

# What a branch keeps of its source beside the filtered content (LibreChat copies the same).
_CARRIED = ("attachments", "iconURL")


def branch(conversation: Conversation, message_id: UUID, agent_id: str, new_id: UUID) -> Message:
    """A sibling of the source answer holding only the parts `agent_id` wrote."""
    source = conversation.message(message_id)
    if source.is_created_by_user:
        raise Invalid("Cannot branch from user messages")
    if not isinstance(source.content, list):
        raise Invalid("Message does not have content")
    if not any(isinstance(p, dict) and p.get("agentId") for p in source.content):
        raise Invalid("Message does not have parallel content with attributions")
    parts = [
        {k: v for k, v in part.items() if k not in ("agentId", "groupId")}
        for part in source.content
        if isinstance(part, dict) and part.get("agentId") == agent_id
    ]
    if not parts:
        raise Invalid("No content found for the specified agentId")
    return conversation.post(
        new_id,
        source.parent_message_id,
        sender=source.sender,
        is_created_by_user=False,
        content=parts,
        model=source.model,
        endpoint=source.endpoint,
        extra={k: source.extra[k] for k in _CARRIED if k in source.extra},
    )


def edit_artifact(
    conversation: Conversation, message_id: UUID, index: int, original: str, updated: str
) -> Message:
    """Replace `original` by `updated` inside the message's `index`-th artifact."""
    message = conversation.message(message_id)
    found = artifacts.find_all(message.text, message.content)
    if index >= len(found):
        raise Invalid("Artifact index out of bounds")
    target = found[index]
    new_text = artifacts.replace(
        target, artifacts.unescape_latex(original), artifacts.unescape_latex(updated)
    )
    if not new_text:
        raise Invalid("Original content not found in target artifact")
    text, content = message.text, message.content
    if target.source == "content" and target.part_index is not None:
        content = _with_text(content or [], target.part_index, new_text)
    else:
        text = new_text
    return conversation.edit(message_id, text, content)


def _with_text(content: list[dict[str, Any]], index: int, text: str) -> list[dict[str, Any]]:
    parts = [dict(p) for p in content]
    parts[index]["text"] = text
    return parts
