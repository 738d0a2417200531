"""SharedLinksView: one row per live shared link, with its snapshot (the message ids).

A link goes with its conversation and with its owner (LibreChat deletes a conversation's
links with it, and a user's with the account): the rows are removed and a tombstone kept,
so that a rebuild reading the sharing events after the conversation events does not bring
them back. The sharing store keeps the links' events."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.conversations.events import ConversationDeleted
from domain.identity.events import UserDeleted
from domain.sharing.events import SharedLinkCreated, SharedLinkDeleted, SharedLinkUpdated
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows

Tables = dict[str, sa.Table]


class SharedLinksProjection(Projection):
    name = "shared_links"
    version = 1
    subscriptions = {
        "sharing": (SharedLinkCreated, SharedLinkUpdated, SharedLinkDeleted),
        "conversations": (ConversationDeleted,),
        "identity": (UserDeleted,),
    }

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> Tables:
        name = name_for("shared_links")
        links = sa.Table(
            name,
            metadata,
            sa.Column("stream_id", sa.String(36), primary_key=True),  # the aggregate
            sa.Column("link_id", sa.String(36), nullable=False, unique=True),  # its `_id`
            sa.Column("share_id", sa.String(64), nullable=False, unique=True),
            sa.Column("user_id", sa.String(36), nullable=False),
            sa.Column("conversation_id", sa.String(36), nullable=False),
            sa.Column("title", sa.Text, nullable=False),
            sa.Column("message_ids", sa.JSON, nullable=False),
            sa.Column("message_count", sa.Integer, nullable=False),
            sa.Column("target_message_id", sa.String(36), nullable=True),
            sa.Column("snapshot_files", sa.Boolean, nullable=False),
            sa.Column("is_public", sa.Boolean, nullable=False),
            sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Index(f"{name}_user_created_idx", "user_id", "created_at"),
            sa.Index(f"{name}_user_conversation_idx", "user_id", "conversation_id"),
        )
        gone = sa.Table(
            name_for("shared_links_gone"),
            metadata,
            # a deleted conversation (its id) or a deleted user (conversation_id "*")
            sa.Column("user_id", sa.String(36), primary_key=True),
            sa.Column("conversation_id", sa.String(36), primary_key=True),
        )
        return {"shared_links": links, "shared_links_gone": gone}

    def apply(self, rows: Rows, tables: Tables, event: Any) -> None:
        links, gone = tables["shared_links"], tables["shared_links_gone"]
        if isinstance(event, UserDeleted):
            user = str(event.originator_id)
            rows.delete(links, {"user_id": user})
            rows.upsert(gone, {"user_id": user, "conversation_id": "*"}, key=_GONE, update=[])
        elif isinstance(event, ConversationDeleted):
            key = {"user_id": str(event.user_id), "conversation_id": str(event.originator_id)}
            rows.delete(links, key)
            rows.upsert(gone, key, key=_GONE, update=[])
        elif isinstance(event, SharedLinkCreated):
            if not _gone(rows, gone, event):
                rows.upsert(links, _row(event), key=["stream_id"])
        elif isinstance(event, SharedLinkUpdated):
            rows.update(links, {"stream_id": str(event.originator_id)}, _snapshot(event))
        elif isinstance(event, SharedLinkDeleted):
            key = {"stream_id": str(event.originator_id), "share_id": event.share_id}
            rows.delete(links, key)


_GONE = ["user_id", "conversation_id"]


def _gone(rows: Rows, gone: sa.Table, e: SharedLinkCreated) -> bool:
    user = str(e.user_id)
    return (
        rows.get(gone, {"user_id": user, "conversation_id": "*"}) is not None
        or rows.get(gone, {"user_id": user, "conversation_id": str(e.conversation_id)}) is not None
    )


def _snapshot(e: SharedLinkCreated | SharedLinkUpdated) -> dict[str, Any]:
    target = e.target_message_id
    return {
        "message_ids": [str(m) for m in e.message_ids],
        "message_count": len(e.message_ids),
        "target_message_id": str(target) if target is not None else None,
        "snapshot_files": e.snapshot_files,
        "expired_at": e.expired_at,
        "updated_at": e.timestamp,
    }


def _row(e: SharedLinkCreated) -> dict[str, Any]:
    return {
        "stream_id": str(e.originator_id),
        "link_id": str(e.resource_id),
        "share_id": e.share_id,
        "user_id": str(e.user_id),
        "conversation_id": str(e.conversation_id),
        "title": e.title,
        "is_public": e.public,
        "created_at": e.timestamp,
        **_snapshot(e),
    }
