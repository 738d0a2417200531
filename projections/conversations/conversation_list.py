"""ConversationListView: one row per live conversation (the sidebar), the tag links that
filter it, and each user's tag book with counts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.conversations.events import (
    ConversationArchived,
    ConversationDeleted,
    ConversationMovedToProject,
    ConversationPinned,
    ConversationRetitled,
    ConversationSettingsChanged,
    ConversationStarted,
    ConversationTagged,
    MessagePosted,
    ProjectDeleted,
    TagCreated,
    TagDeleted,
    TagUpdated,
)
from domain.identity.events import UserDeleted
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows

Tables = dict[str, sa.Table]


def _conversations(metadata: sa.MetaData, name_for: TableNamer) -> sa.Table:
    name = name_for("conversations")
    return sa.Table(
        name,
        metadata,
        sa.Column("conversation_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("title", sa.Text, nullable=True),
        sa.Column("endpoint", sa.String(100), nullable=True),
        sa.Column("model", sa.String(200), nullable=True),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("pinned", sa.Boolean, nullable=False),
        sa.Column("is_archived", sa.Boolean, nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_count", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        # Set on a temporary chat: its row serves the owner's transcript, never the list.
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("project_id", sa.String(24), nullable=True),  # its chat project, if any
        *(
            sa.Index(f"{name}_{key}_idx", "user_id", "is_archived", key, "conversation_id")
            for key in ("updated_at", "created_at", "title", "archived_at")
        ),
        sa.Index(f"{name}_pinned_idx", "user_id", "pinned"),
        # the generation sweep's range read across users (queries.unanswered_between)
        sa.Index(f"{name}_changed_idx", "updated_at"),
        sa.Index(f"{name}_project_idx", "user_id", "project_id"),
        # the retention sweep's read of temporary chats past their expiry
        sa.Index(f"{name}_expired_idx", "expired_at"),
    )


def _links(metadata: sa.MetaData, name_for: TableNamer) -> sa.Table:
    name = name_for("conversation_tag_links")
    return sa.Table(
        name,
        metadata,
        sa.Column("conversation_id", sa.String(36), primary_key=True),
        sa.Column("tag", sa.String(100), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Index(f"{name}_user_tag_idx", "user_id", "tag"),
    )


def _tags(metadata: sa.MetaData, name_for: TableNamer) -> sa.Table:
    return sa.Table(
        name_for("conversation_tags"),
        metadata,
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("tag", sa.String(100), primary_key=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


class ConversationListProjection(Projection):
    name = "conversation_list"
    # 2: expired_at (temporary chats), the updated_at index; 3: project_id (chat projects);
    # 4: the expired_at index (the retention sweep)
    version = 4
    subscriptions = {
        "conversations": (
            ConversationStarted,
            ConversationRetitled,
            ConversationSettingsChanged,
            ConversationArchived,
            ConversationPinned,
            ConversationTagged,
            ConversationDeleted,
            ConversationMovedToProject,
            ProjectDeleted,
            MessagePosted,
            TagCreated,
            TagUpdated,
            TagDeleted,
        ),
        "identity": (UserDeleted,),
    }

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> Tables:
        return {
            "conversations": _conversations(metadata, name_for),
            "conversation_tag_links": _links(metadata, name_for),
            "conversation_tags": _tags(metadata, name_for),
        }

    def apply(self, rows: Rows, tables: Tables, event: Any) -> None:
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(rows, tables, event)


def _started(rows: Rows, t: Tables, e: ConversationStarted) -> None:
    rows.upsert(
        t["conversations"],
        {
            "conversation_id": str(e.originator_id),
            "user_id": str(e.user_id),
            "title": e.title,
            "endpoint": e.endpoint,
            "model": e.model,
            "settings": e.settings or {},
            "tags": [],
            "pinned": False,
            "is_archived": False,
            "archived_at": None,
            "message_count": 0,
            "created_at": e.created_at or e.timestamp,
            "updated_at": e.timestamp,
            "expired_at": e.expired_at,
            "project_id": None,
        },
        key=["conversation_id"],
    )


def _this(e: Any) -> dict[str, Any]:
    """The event's conversation (the key of its row, and of its tag links)."""
    return {"conversation_id": str(e.originator_id)}


def _retitled(rows: Rows, t: Tables, e: ConversationRetitled) -> None:
    rows.update(t["conversations"], _this(e), {"title": e.title, "updated_at": e.timestamp})


def _settings(rows: Rows, t: Tables, e: ConversationSettingsChanged) -> None:
    current = rows.get(t["conversations"], _this(e))
    values: dict[str, Any] = {
        "settings": {**((current or {}).get("settings") or {}), **(e.settings or {})},
        "updated_at": e.timestamp,
    }
    if e.endpoint:
        values["endpoint"] = e.endpoint
    if e.model:
        values["model"] = e.model
    rows.update(t["conversations"], _this(e), values)


def _archived(rows: Rows, t: Tables, e: ConversationArchived) -> None:
    archived_at = e.timestamp if e.archived else None
    rows.update(
        t["conversations"], _this(e), {"is_archived": e.archived, "archived_at": archived_at}
    )


def _pinned(rows: Rows, t: Tables, e: ConversationPinned) -> None:
    rows.update(t["conversations"], _this(e), {"pinned": e.pinned})


def _tagged(rows: Rows, t: Tables, e: ConversationTagged) -> None:
    tags = list(e.tags or [])
    rows.update(t["conversations"], _this(e), {"tags": tags})
    rows.delete(t["conversation_tag_links"], _this(e))
    if (rows.get(t["conversations"], _this(e)) or {}).get("expired_at"):
        return  # a temporary chat counts towards no tag and is found by none
    for tag in tags:
        rows.insert(
            t["conversation_tag_links"], {**_this(e), "tag": tag, "user_id": str(e.user_id)}
        )


def _moved(rows: Rows, t: Tables, e: ConversationMovedToProject) -> None:
    rows.update(t["conversations"], _this(e), {"project_id": e.project_id})


def _project_deleted(rows: Rows, t: Tables, e: ProjectDeleted) -> None:
    """Its conversations belong to no project, even one moved there as it was deleted."""
    where = {"user_id": str(e.user_id), "project_id": e.project_id}
    rows.update(t["conversations"], where, {"project_id": None})


def _deleted(rows: Rows, t: Tables, e: ConversationDeleted) -> None:
    rows.delete(t["conversation_tag_links"], _this(e))
    rows.delete(t["conversations"], _this(e))


def _message(rows: Rows, t: Tables, e: MessagePosted) -> None:
    """One more message, the time of the last, and the endpoint and model last given."""
    rows.update(
        t["conversations"],
        _this(e),
        {"updated_at": e.timestamp},
        add={"message_count": 1},
        or_keep={"endpoint": e.endpoint or None, "model": e.model or None},
    )


def _tag_created(rows: Rows, t: Tables, e: TagCreated) -> None:
    rows.upsert(
        t["conversation_tags"],
        {
            "user_id": str(e.user_id),
            "tag": e.tag,
            "description": e.description or "",
            "position": e.position,
            "created_at": e.timestamp,
            "updated_at": e.timestamp,
        },
        key=["user_id", "tag"],
    )


def _tag_updated(rows: Rows, t: Tables, e: TagUpdated) -> None:
    rows.update(
        t["conversation_tags"],
        {"user_id": str(e.user_id), "tag": e.tag},
        {
            "tag": e.new_tag,
            "description": e.description or "",
            "position": e.position,
            "updated_at": e.timestamp,
        },
    )


def _tag_deleted(rows: Rows, t: Tables, e: TagDeleted) -> None:
    rows.delete(t["conversation_tags"], {"user_id": str(e.user_id), "tag": e.tag})


def _user_deleted(rows: Rows, t: Tables, e: UserDeleted) -> None:
    for table in t.values():
        rows.delete(table, {"user_id": str(e.originator_id)})


_HANDLERS: dict[type, Any] = {
    ConversationStarted: _started,
    ConversationRetitled: _retitled,
    ConversationSettingsChanged: _settings,
    ConversationArchived: _archived,
    ConversationPinned: _pinned,
    ConversationTagged: _tagged,
    ConversationDeleted: _deleted,
    ConversationMovedToProject: _moved,
    ProjectDeleted: _project_deleted,
    MessagePosted: _message,
    TagCreated: _tag_created,
    TagUpdated: _tag_updated,
    TagDeleted: _tag_deleted,
    UserDeleted: _user_deleted,
}
