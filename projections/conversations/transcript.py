"""TranscriptView: every live message, flat, as LibreChat returns them (the client builds the
tree from parentMessageId)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.conversations.events import (
    ConversationDeleted,
    MessageDeleted,
    MessageEdited,
    MessageFeedbackGiven,
    MessagePosted,
)
from domain.identity.events import UserDeleted
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows

Tables = dict[str, sa.Table]


class TranscriptProjection(Projection):
    name = "transcript"
    # 2: keyed by (conversation_id, message_id); message ids are the client's, unique only
    # within their conversation
    # 3: an index on message_id (branch and artifact routes find a message by id and user)
    version = 3
    subscriptions = {
        "conversations": (
            MessagePosted,
            MessageEdited,
            MessageFeedbackGiven,
            MessageDeleted,
            ConversationDeleted,
        ),
        "identity": (UserDeleted,),
    }

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> Tables:
        name = name_for("messages")
        messages = sa.Table(
            name,
            metadata,
            sa.Column("conversation_id", sa.String(36), primary_key=True),
            sa.Column("message_id", sa.String(36), primary_key=True),
            sa.Column("user_id", sa.String(36), nullable=False),
            sa.Column("parent_message_id", sa.String(36), nullable=False),
            sa.Column("sender", sa.String(200), nullable=False),
            sa.Column("is_created_by_user", sa.Boolean, nullable=False),
            sa.Column("text", sa.Text, nullable=True),
            sa.Column("content", sa.JSON, nullable=True),
            sa.Column("model", sa.String(200), nullable=True),
            sa.Column("endpoint", sa.String(100), nullable=True),
            sa.Column("token_count", sa.Integer, nullable=True),
            sa.Column("unfinished", sa.Boolean, nullable=False),
            sa.Column("error", sa.Boolean, nullable=False),
            sa.Column("feedback", sa.JSON, nullable=True),
            sa.Column("extra", sa.JSON, nullable=False),
            sa.Column("sequence", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Index(f"{name}_conversation_idx", "conversation_id", "created_at", "sequence"),
            sa.Index(f"{name}_user_idx", "user_id", "created_at"),
            sa.Index(f"{name}_message_idx", "message_id"),
        )
        return {"messages": messages}

    def apply(self, rows: Rows, tables: Tables, event: Any) -> None:
        messages = tables["messages"]
        if isinstance(event, MessagePosted):
            rows.upsert(messages, _row(event), key=["conversation_id", "message_id"])
        elif isinstance(event, MessageEdited):
            values: dict[str, Any] = {
                "text": event.text,
                "content": event.content,
                "updated_at": event.timestamp,
            }
            if event.token_count is not None:
                values["token_count"] = event.token_count
            rows.update(messages, _one(event), values)
        elif isinstance(event, MessageFeedbackGiven):
            rows.update(
                messages, _one(event), {"feedback": event.feedback, "updated_at": event.timestamp}
            )
        elif isinstance(event, MessageDeleted):
            rows.delete(messages, _one(event))
        elif isinstance(event, ConversationDeleted):
            rows.delete(messages, {"conversation_id": str(event.originator_id)})
        elif isinstance(event, UserDeleted):
            rows.delete(messages, {"user_id": str(event.originator_id)})


def _one(e: Any) -> dict[str, str]:
    """The event's message: its id within its own conversation (the row's whole key)."""
    return {"conversation_id": str(e.originator_id), "message_id": str(e.message_id)}


def _row(e: MessagePosted) -> dict[str, Any]:
    return {
        "message_id": str(e.message_id),
        "conversation_id": str(e.originator_id),
        "user_id": str(e.user_id),
        "parent_message_id": str(e.parent_message_id),
        "sender": e.sender,
        "is_created_by_user": e.is_created_by_user,
        "text": e.text,
        "content": e.content,
        "model": e.model,
        "endpoint": e.endpoint,
        "token_count": e.token_count,
        "unfinished": e.unfinished,
        "error": e.error,
        "feedback": None,
        "extra": {**(e.extra or {}), "files": e.files} if e.files else (e.extra or {}),
        "sequence": e.originator_version,
        "created_at": e.created_at or e.timestamp,
        "updated_at": e.timestamp,
    }
