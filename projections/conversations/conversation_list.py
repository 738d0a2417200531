"""ConversationListView: one row per live conversation (the sidebar), the tag links that
filter it, and each user's tag book with counts."""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa

from domain.conversations.events import (
    ConversationArchived,
    ConversationDeleted,
    ConversationPinned,
    ConversationRetitled,
    ConversationSettingsChanged,
    ConversationStarted,
    ConversationTagged,
    MessagePosted,
    TagCreated,
    TagDeleted,
    TagUpdated,
)
from domain.identity.events import UserDeleted
from infrastructure.database import BufferedConnection, upsert, write
from projections.engine.projection import Projection, TableNamer

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
        *(
            sa.Index(f"{name}_{key}_idx", "user_id", "is_archived", key, "conversation_id")
            for key in ("updated_at", "created_at", "title", "archived_at")
        ),
        sa.Index(f"{name}_pinned_idx", "user_id", "pinned"),
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
    version = 1
    subscriptions = {
        "conversations": (
            ConversationStarted,
            ConversationRetitled,
            ConversationSettingsChanged,
            ConversationArchived,
            ConversationPinned,
            ConversationTagged,
            ConversationDeleted,
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

    def apply(self, conn: sa.Connection, tables: Tables, event: Any) -> None:
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(conn, tables, event)


def _started(conn: sa.Connection, t: Tables, e: ConversationStarted) -> None:
    upsert(
        conn,
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
        },
        key=["conversation_id"],
    )


def _row(t: Tables, e: Any) -> Any:
    return t["conversations"].c.conversation_id == str(e.originator_id)


def _update(conn: sa.Connection, t: Tables, e: Any, **values: Any) -> None:
    conn.execute(t["conversations"].update().where(_row(t, e)).values(**values))


def _retitled(conn: sa.Connection, t: Tables, e: ConversationRetitled) -> None:
    _update(conn, t, e, title=e.title, updated_at=e.timestamp)


def _settings(conn: sa.Connection, t: Tables, e: ConversationSettingsChanged) -> None:
    current = conn.execute(sa.select(t["conversations"].c.settings).where(_row(t, e))).scalar()
    values: dict[str, Any] = {
        "settings": {**(current or {}), **(e.settings or {})},
        "updated_at": e.timestamp,
    }
    if e.endpoint:
        values["endpoint"] = e.endpoint
    if e.model:
        values["model"] = e.model
    _update(conn, t, e, **values)


def _archived(conn: sa.Connection, t: Tables, e: ConversationArchived) -> None:
    _update(conn, t, e, is_archived=e.archived, archived_at=e.timestamp if e.archived else None)


def _pinned(conn: sa.Connection, t: Tables, e: ConversationPinned) -> None:
    _update(conn, t, e, pinned=e.pinned)


def _tagged(conn: sa.Connection, t: Tables, e: ConversationTagged) -> None:
    tags = list(e.tags or [])
    _update(conn, t, e, tags=tags)
    links = t["conversation_tag_links"]
    conn.execute(links.delete().where(links.c.conversation_id == str(e.originator_id)))
    if tags:
        conn.execute(
            links.insert(),
            [
                {"conversation_id": str(e.originator_id), "tag": tag, "user_id": str(e.user_id)}
                for tag in tags
            ],
        )


def _deleted(conn: sa.Connection, t: Tables, e: ConversationDeleted) -> None:
    links = t["conversation_tag_links"]
    conn.execute(links.delete().where(links.c.conversation_id == str(e.originator_id)))
    conn.execute(t["conversations"].delete().where(_row(t, e)))


def _message(conn: sa.Connection, t: Tables, e: MessagePosted) -> None:
    conversation_id = str(e.originator_id)
    if isinstance(conn, BufferedConnection):
        started = conn.queued_insert(t["conversations"], (conversation_id,))
        if started is not None:  # started in this batch and not sent yet: amend its row
            started["message_count"] += 1
            started["updated_at"] = e.timestamp
            started["endpoint"] = e.endpoint or started["endpoint"]
            started["model"] = e.model or started["model"]
            return
    write(
        conn,
        _message_update(t["conversations"]),
        {
            "b_id": conversation_id,
            "b_n": 1,
            "b_at": e.timestamp,
            "b_ep": e.endpoint or None,
            "b_md": e.model or None,
        },
        key=(conversation_id,),
        combine=_posts_to_one,
    )


def _posts_to_one(last: dict[str, Any], row: dict[str, Any]) -> dict[str, Any] | None:
    """Posts to one conversation: one update with their sum, the last time and the last
    endpoint and model given, as applying them one by one would leave it."""
    if last["b_id"] != row["b_id"]:
        return None
    return {
        "b_id": row["b_id"],
        "b_n": last["b_n"] + 1,
        "b_at": row["b_at"],
        "b_ep": row["b_ep"] or last["b_ep"],
        "b_md": row["b_md"] or last["b_md"],
    }


@functools.lru_cache(maxsize=64)
def _message_update(convos: sa.Table) -> Any:
    """One statement per table, so a run of posts goes out as one `executemany`."""
    return (
        convos.update()
        .where(convos.c.conversation_id == sa.bindparam("b_id"))
        .values(
            updated_at=sa.bindparam("b_at"),
            message_count=convos.c.message_count + sa.bindparam("b_n", type_=sa.Integer),
            endpoint=sa.func.coalesce(sa.bindparam("b_ep", type_=sa.String), convos.c.endpoint),
            model=sa.func.coalesce(sa.bindparam("b_md", type_=sa.String), convos.c.model),
        )
    )


def _tag_created(conn: sa.Connection, t: Tables, e: TagCreated) -> None:
    upsert(
        conn,
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


def _tag_updated(conn: sa.Connection, t: Tables, e: TagUpdated) -> None:
    tags = t["conversation_tags"]
    conn.execute(
        tags.update()
        .where(tags.c.user_id == str(e.user_id), tags.c.tag == e.tag)
        .values(
            tag=e.new_tag,
            description=e.description or "",
            position=e.position,
            updated_at=e.timestamp,
        )
    )


def _tag_deleted(conn: sa.Connection, t: Tables, e: TagDeleted) -> None:
    tags = t["conversation_tags"]
    conn.execute(tags.delete().where(tags.c.user_id == str(e.user_id), tags.c.tag == e.tag))


def _user_deleted(conn: sa.Connection, t: Tables, e: UserDeleted) -> None:
    user = str(e.originator_id)
    for table in t.values():
        conn.execute(table.delete().where(table.c.user_id == user))


_HANDLERS: dict[type, Any] = {
    ConversationStarted: _started,
    ConversationRetitled: _retitled,
    ConversationSettingsChanged: _settings,
    ConversationArchived: _archived,
    ConversationPinned: _pinned,
    ConversationTagged: _tagged,
    ConversationDeleted: _deleted,
    MessagePosted: _message,
    TagCreated: _tag_created,
    TagUpdated: _tag_updated,
    TagDeleted: _tag_deleted,
    UserDeleted: _user_deleted,
}
