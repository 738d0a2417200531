"""LibreChat's JSON shapes for conversations and messages (camelCase, ISO times with Z)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.conversations.conversation import Conversation, Message


def iso(value: datetime | None) -> str | None:
    """`2026-03-01T10:00:01.000Z`, as JavaScript's toISOString() writes it."""
    if value is None:
        return None
    if value.tzinfo is not None and value.utcoffset():
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def message_json(message: Message, conversation_id: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        **message.extra,
        "messageId": str(message.message_id),
        "conversationId": str(conversation_id),
        "parentMessageId": str(message.parent_message_id),
        "sender": message.sender,
        "text": message.text,
        "isCreatedByUser": message.is_created_by_user,
        "model": message.model,
        "endpoint": message.endpoint,
        "tokenCount": message.token_count,
        "unfinished": message.unfinished,
        "error": message.error,
        "createdAt": iso(message.created_at),
        "updatedAt": iso(message.updated_at),
    }
    if message.content is not None:
        body["content"] = message.content
    if message.feedback is not None:
        body["feedback"] = message.feedback
    if message.files:
        body["files"] = message.files
    return body


def message_row_json(row: dict[str, Any]) -> dict[str, Any]:
    """The same shape from a transcript read-model row."""
    body: dict[str, Any] = {
        **(row.get("extra") or {}),
        "messageId": row["message_id"],
        "conversationId": row["conversation_id"],
        "parentMessageId": row["parent_message_id"],
        "sender": row["sender"],
        "text": row["text"] or "",
        "isCreatedByUser": row["is_created_by_user"],
        "model": row["model"],
        "endpoint": row["endpoint"],
        "tokenCount": row["token_count"],
        "unfinished": row["unfinished"],
        "error": row["error"],
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }
    if row.get("content") is not None:
        body["content"] = row["content"]
    if row.get("feedback") is not None:
        body["feedback"] = row["feedback"]
    return body


def conversation_json(conversation: Conversation) -> dict[str, Any]:
    return {
        **conversation.settings,
        "_id": str(conversation.id),
        "conversationId": str(conversation.id),
        "user": str(conversation.user_id),
        "title": conversation.title,
        "endpoint": conversation.endpoint,
        "model": conversation.model,
        "tags": list(conversation.tags),
        "chatProjectId": conversation.project_id,
        "pinned": conversation.pinned,
        "isArchived": conversation.archived_at is not None,
        "archivedAt": iso(conversation.archived_at),
        "messages": [str(m.message_id) for m in conversation.ordered_messages()],
        "createdAt": iso(conversation.created_at),
        "updatedAt": iso(conversation.updated_at),
        **({"expiredAt": iso(conversation.expired_at)} if conversation.expired_at else {}),
    }


def conversation_row_json(row: dict[str, Any]) -> dict[str, Any]:
    """A list item, from a conversation-list read-model row."""
    settings = row.get("settings") or {}
    return {
        "_id": row["conversation_id"],
        "conversationId": row["conversation_id"],
        "user": row["user_id"],
        "title": row["title"],
        "endpoint": row["endpoint"],
        "model": row["model"],
        "agent_id": settings.get("agent_id"),
        "assistant_id": settings.get("assistant_id"),
        "spec": settings.get("spec"),
        "iconURL": settings.get("iconURL"),
        "chatProjectId": row.get("project_id"),
        "tags": row["tags"] or [],
        "pinned": row["pinned"],
        "isArchived": row["is_archived"],
        "archivedAt": iso(row["archived_at"]),
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }
