"""Queries of the shared-links read model: the owner's list (cursor pages), a
conversation's link, a link by its shareId, and the messages a link shows."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from projections.conversations.transcript import TranscriptProjection
from projections.sharing.shared_links import SharedLinksProjection

LINKS = SharedLinksProjection().views()["shared_links"]
MESSAGES = TranscriptProjection().views()["messages"]
SORTS = {"createdAt": LINKS.c.created_at, "title": LINKS.c.title}


@dataclass(frozen=True)
class Cursor:
    """Where a page resumes: after the row with this sort value (and id, which breaks
    ties; None for a cursor that carries the sort value alone)."""

    primary: str
    id: str | None = None


@dataclass(frozen=True)
class ListRequest:
    user_id: UUID
    page_size: int
    sort_by: str  # createdAt | title
    descending: bool
    cursor: Cursor | None = None
    search: str | None = None


def encode_cursor(row: dict[str, Any], sort_by: str) -> str:
    value = row["created_at"] if sort_by == "createdAt" else row["title"]
    primary = _iso(value) if isinstance(value, datetime) else str(value)
    raw = json.dumps({"primary": primary, "id": row["link_id"]}, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


def decode_cursor(cursor: str, sort_by: str) -> Cursor | None:
    """The cursor a page handed out, or an old-style plain sort value; None when it is
    neither (LibreChat's `isValidSharedLinksCursor`)."""
    try:
        decoded = json.loads(base64.b64decode(cursor, validate=True))
        primary, link = decoded.get("primary"), decoded.get("id")
        if isinstance(primary, str) and isinstance(link, str) and _is_uuid(link):
            if sort_by != "createdAt" or _date(primary) is not None:
                return Cursor(primary, link)
            return None
    except (ValueError, AttributeError, binascii.Error, UnicodeDecodeError):
        pass
    if sort_by == "createdAt":
        return Cursor(cursor) if _date(cursor) is not None else None
    return Cursor(cursor)


def list_links(conn: sa.Connection, request: ListRequest) -> tuple[list[dict[str, Any]], bool]:
    key = SORTS[request.sort_by]
    query = sa.select(LINKS).where(LINKS.c.user_id == str(request.user_id), _active())
    if request.search:
        query = query.where(LINKS.c.title.ilike(_like(request.search), escape="\\"))
    if request.cursor is not None:
        query = query.where(_after(key, request.cursor, request.sort_by, request.descending))
    order = [key.desc(), LINKS.c.link_id.desc()] if request.descending else [key, LINKS.c.link_id]
    rows = [
        dict(r._mapping) for r in conn.execute(query.order_by(*order).limit(request.page_size + 1))
    ]
    return rows[: request.page_size], len(rows) > request.page_size


def link_for_conversation(
    conn: sa.Connection, user_id: UUID, conversation_id: str
) -> dict[str, Any] | None:
    row = conn.execute(
        sa.select(LINKS)
        .where(
            LINKS.c.user_id == str(user_id),
            LINKS.c.conversation_id == conversation_id,
            _active(),
        )
        .order_by(LINKS.c.updated_at.desc())
        .limit(1)
    ).first()
    return dict(row._mapping) if row is not None else None


def link_by_share_id(conn: sa.Connection, share_id: str) -> dict[str, Any] | None:
    """Any user's active link: the shareId is the secret a link is opened by."""
    row = conn.execute(sa.select(LINKS).where(LINKS.c.share_id == share_id, _active())).first()
    return dict(row._mapping) if row is not None else None


def own_stream_id(conn: sa.Connection, user_id: UUID, share_id: str) -> str | None:
    """The aggregate of the caller's own link with this shareId."""
    return conn.execute(
        sa.select(LINKS.c.stream_id).where(
            LINKS.c.share_id == share_id, LINKS.c.user_id == str(user_id)
        )
    ).scalar()


def has_active_link(conn: sa.Connection, user_id: UUID, conversation_id: UUID) -> bool:
    return link_for_conversation(conn, user_id, str(conversation_id)) is not None


def shared_conversations(
    conn: sa.Connection, user_id: UUID, conversation_ids: list[str]
) -> set[str]:
    """Which of these conversations of the caller have an active link (`isShared`)."""
    if not conversation_ids:
        return set()
    rows = conn.execute(
        sa.select(LINKS.c.conversation_id).where(
            LINKS.c.user_id == str(user_id),
            LINKS.c.conversation_id.in_(conversation_ids),
            _active(),
        )
    )
    return {r.conversation_id for r in rows}


def shared_messages(conn: sa.Connection, link: dict[str, Any]) -> list[dict[str, Any]]:
    """The snapshot's messages as they read now, in the snapshot's order; only the owner's
    messages of the link's conversation (message ids are the client's)."""
    order = {m: i for i, m in enumerate(link["message_ids"])}
    rows = conn.execute(
        sa.select(MESSAGES).where(
            MESSAGES.c.conversation_id == link["conversation_id"],
            MESSAGES.c.user_id == link["user_id"],
        )
    )
    found = [dict(r._mapping) for r in rows if r.message_id in order]
    return sorted(found, key=lambda r: order[r["message_id"]])


def _active() -> Any:
    return sa.or_(LINKS.c.expired_at.is_(None), LINKS.c.expired_at > datetime.now(UTC))


def _after(key: Any, cursor: Cursor, sort_by: str, descending: bool) -> Any:
    value: Any = _date(cursor.primary) if sort_by == "createdAt" else cursor.primary
    beyond = key < value if descending else key > value
    if cursor.id is None:
        return beyond
    tie = LINKS.c.link_id < cursor.id if descending else LINKS.c.link_id > cursor.id
    return sa.or_(beyond, sa.and_(key == value, tie))


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _date(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _iso(value: datetime) -> str:
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True
