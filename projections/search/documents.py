"""SearchDocumentsView: what search finds, one row per indexed message and conversation.

Every backend searches these rows: SQLite through FTS5 and PostgreSQL through a tsvector
(projections/search/ddl.py), Meilisearch through a copy fed from the `search_changes`
outbox (infrastructure/search/meili.py). Temporary conversations are never indexed; deleting
a message, a conversation or a user deletes its documents.
"""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa

from domain.conversations.events import (
    ConversationDeleted,
    ConversationRetitled,
    ConversationStarted,
    ConversationTagged,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
)
from domain.identity.events import UserDeleted
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows
from projections.search.ddl import full_text

Tables = dict[str, sa.Table]
# SQLite's rowid alias must be exactly INTEGER PRIMARY KEY (FTS5 points at it, and VACUUM
# keeps it); PostgreSQL gets a bigint
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class SearchProjection(Projection):
    name = "search"
    version = 1
    subscriptions: ClassVar[dict[str, tuple[type[Any], ...]]] = {
        "conversations": (
            ConversationStarted,
            ConversationRetitled,
            ConversationTagged,
            ConversationDeleted,
            MessagePosted,
            MessageEdited,
            MessageDeleted,
        ),
        "identity": (UserDeleted,),
    }

    def __init__(self, language: str = "english", outbox: bool = False) -> None:
        self.language = language  # PostgreSQL's text search configuration (stemming)
        self.outbox = outbox  # feed `search_changes` (only an external index reads it)

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> Tables:
        messages = sa.Table(
            name_for("search_messages"),
            metadata,
            sa.Column("rid", ROW_ID, primary_key=True, autoincrement=True),
            sa.Column("conversation_id", sa.String(36), nullable=False),
            sa.Column("message_id", sa.String(36), nullable=False),
            sa.Column("user_id", sa.String(36), nullable=False, index=True),
            sa.Column("owner", sa.String(32), nullable=False),  # user_id as one FTS5 token
            sa.Column("sender", sa.String(200), nullable=False),
            sa.Column("text", sa.Text, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.UniqueConstraint("conversation_id", "message_id"),
        )
        convos = sa.Table(
            name_for("search_convos"),
            metadata,
            sa.Column("rid", ROW_ID, primary_key=True, autoincrement=True),
            sa.Column("conversation_id", sa.String(36), nullable=False, unique=True),
            sa.Column("user_id", sa.String(36), nullable=False, index=True),
            sa.Column("owner", sa.String(32), nullable=False),
            sa.Column("title", sa.Text, nullable=False),
            sa.Column("tags", sa.Text, nullable=False),
        )
        full_text(messages, ("text",), self.language)
        full_text(convos, ("title", "tags"), self.language)
        temporary = sa.Table(  # conversations whose messages are never indexed
            name_for("search_temporary"),
            metadata,
            sa.Column("conversation_id", sa.String(36), primary_key=True),
            sa.Column("user_id", sa.String(36), nullable=False, index=True),
        )
        changes = sa.Table(  # what an external index must fetch again, in order
            name_for("search_changes"),
            metadata,
            sa.Column("seq", ROW_ID, primary_key=True, autoincrement=True),
            sa.Column("kind", sa.String(20), nullable=False),
            sa.Column("user_id", sa.String(36), nullable=False),
            sa.Column("conversation_id", sa.String(36), nullable=True),
            sa.Column("message_id", sa.String(36), nullable=True),
            # never reuse a number: the feeder prunes what it applied, and its position must
            # stay below every change still to come
            sqlite_autoincrement=True,
        )
        return {
            "search_messages": messages,
            "search_convos": convos,
            "search_temporary": temporary,
            "search_changes": changes,
        }

    def apply(self, rows: Rows, tables: Tables, event: Any) -> None:
        if isinstance(event, UserDeleted):
            user = str(event.originator_id)
            for name in ("search_messages", "search_convos", "search_temporary"):
                rows.delete(tables[name], {"user_id": user})
            self._changed(rows, tables, "user", user)
        elif isinstance(event, MessagePosted | MessageEdited | MessageDeleted):
            self._message(rows, tables, event)
        else:
            self._conversation(rows, tables, event)

    def _message(self, rows: Rows, tables: Tables, e: Any) -> None:
        messages, cid = tables["search_messages"], str(e.originator_id)
        key = {"conversation_id": cid, "message_id": str(e.message_id)}
        if isinstance(e, MessageDeleted):
            rows.delete(messages, key)
        elif rows.get(tables["search_temporary"], {"conversation_id": cid}) is not None:
            return
        elif isinstance(e, MessagePosted):
            row = {
                **key,
                "user_id": str(e.user_id),
                "owner": e.user_id.hex,
                "sender": e.sender,
                "text": text_of(e.text, e.content),
                "created_at": e.created_at or e.timestamp,
            }
            rows.upsert(messages, row, key=["conversation_id", "message_id"])
        else:
            rows.update(messages, key, {"text": text_of(e.text, e.content)})
        self._changed(rows, tables, "message", str(e.user_id), cid, key["message_id"])

    def _conversation(self, rows: Rows, tables: Tables, e: Any) -> None:
        convos, cid, user = tables["search_convos"], str(e.originator_id), str(e.user_id)
        key = {"conversation_id": cid}
        if isinstance(e, ConversationStarted):
            if e.is_temporary or e.expired_at is not None:
                rows.upsert(tables["search_temporary"], {**key, "user_id": user}, key=[*key])
                return
            row = {
                **key,
                "user_id": user,
                "owner": e.user_id.hex,
                "title": e.title or "",
                "tags": "",
            }
            rows.upsert(convos, row, key=[*key])
        elif isinstance(e, ConversationRetitled):
            rows.update(convos, key, {"title": e.title or ""})
        elif isinstance(e, ConversationTagged):
            rows.update(convos, key, {"tags": " ".join(e.tags)})
        elif isinstance(e, ConversationDeleted):
            for name in ("search_messages", "search_convos", "search_temporary"):
                rows.delete(tables[name], key)
            self._changed(rows, tables, "conversation_deleted", user, cid)
            return
        self._changed(rows, tables, "conversation", user, cid)

    def _changed(
        self,
        rows: Rows,
        tables: Tables,
        kind: str,
        user: str,
        conversation: str | None = None,
        message: str | None = None,
    ) -> None:
        if self.outbox:
            row = {
                "kind": kind,
                "user_id": user,
                "conversation_id": conversation,
                "message_id": message,
            }
            rows.insert(tables["search_changes"], row)


def text_of(text: str | None, content: list[dict[str, Any]] | None) -> str:
    """LibreChat's `parseTextParts` with steering included: a message with content parts is
    found by the words of its text, think and steer parts."""
    if not content:
        return text or ""
    words: list[str] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        value = part.get(kind) if kind in ("text", "think", "steer") else None
        if isinstance(value, dict):
            value = value.get("value")
        if isinstance(value, str) and value:
            words.append(value)
    return " ".join(words)
