"""Queries over the conversation read models: keyset pages, transcripts, tags with counts."""

from __future__ import annotations

import base64
import binascii
import json
import operator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.shared.errors import Invalid
from projections.conversations.conversation_list import ConversationListProjection
from projections.conversations.transcript import TranscriptProjection

SORT_KEYS = {
    "updatedAt": "updated_at",
    "createdAt": "created_at",
    "title": "title",
    "archivedAt": "archived_at",
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
UNASSIGNED = "unassigned"  # LibreChat's projectId filter for conversations in no project

_LIST = ConversationListProjection().views()
_TRANSCRIPT = TranscriptProjection().views()
CONVERSATIONS = _LIST["conversations"]
LINKS = _LIST["conversation_tag_links"]
TAGS = _LIST["conversation_tags"]
MESSAGES = _TRANSCRIPT["messages"]


@dataclass(frozen=True)
class ListRequest:
    user_id: UUID
    limit: int = 25
    sort_by: str = "updatedAt"
    descending: bool = True
    archived: bool = False
    pinned: bool | None = None
    tags: tuple[str, ...] = ()
    cursor: str | None = None
    only_ids: tuple[str, ...] | None = None
    project: str | None = None  # a project id, or UNASSIGNED


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    next_cursor: str | None


def list_conversations(conn: sa.Connection, request: ListRequest) -> Page:
    """One page, ordered by (sort key, secondary key, id) so ties never repeat or vanish."""
    if request.sort_by not in SORT_KEYS:
        raise Invalid("Invalid sortBy")
    keys = _keys(request.sort_by)
    query = sa.select(CONVERSATIONS).where(*_filters(request))
    if request.cursor:
        query = query.where(_after(keys, decode_cursor(request.cursor), request.descending))
    order = [k.desc() if request.descending else k.asc() for k in keys]
    rows = [dict(r._mapping) for r in conn.execute(query.order_by(*order).limit(request.limit + 1))]
    more = len(rows) > request.limit
    rows = rows[: request.limit]
    return Page(rows, _cursor_of(rows[-1], request.sort_by) if more and rows else None)


def _keys(sort_by: str) -> list[Any]:
    """The sort keys, last one unique. `updatedAt`/`createdAt` are never null, so they sort
    as (column, id): the order of the index (user_id, is_archived, column, conversation_id),
    which a page then reads directly. Nullable `title`/`archivedAt` sort nulls as ''/epoch,
    with the updated (or created) time breaking ties."""
    column = CONVERSATIONS.c[SORT_KEYS[sort_by]]
    if sort_by in ("updatedAt", "createdAt"):
        return [column, CONVERSATIONS.c.conversation_id]
    primary = sa.func.coalesce(column, "" if sort_by == "title" else EPOCH)
    secondary = (
        CONVERSATIONS.c.created_at if sort_by == "archivedAt" else CONVERSATIONS.c.updated_at
    )
    return [primary, secondary, CONVERSATIONS.c.conversation_id]


def _filters(request: ListRequest) -> list[Any]:
    filters: list[Any] = [
        CONVERSATIONS.c.user_id == str(request.user_id),
        CONVERSATIONS.c.is_archived == request.archived,  # `=`, not `IS`: the index applies
        CONVERSATIONS.c.expired_at.is_(None),  # temporary chats are never listed
    ]
    if request.pinned is not None:
        filters.append(CONVERSATIONS.c.pinned == request.pinned)
    if request.tags:
        tagged = sa.select(LINKS.c.conversation_id).where(
            LINKS.c.user_id == str(request.user_id), LINKS.c.tag.in_(request.tags)
        )
        filters.append(CONVERSATIONS.c.conversation_id.in_(tagged))
    if request.only_ids is not None:
        filters.append(CONVERSATIONS.c.conversation_id.in_(request.only_ids))
    if request.project == UNASSIGNED:
        filters.append(CONVERSATIONS.c.project_id.is_(None))
    elif request.project:
        filters.append(CONVERSATIONS.c.project_id == request.project.lower())
    return filters


def _after(keys: list[Any], cursor: tuple[Any, Any, str], descending: bool) -> Any:
    """Rows strictly beyond the cursor in the page order: one row-value comparison, which
    PostgreSQL and SQLite both answer from the index."""
    primary, secondary, last_id = cursor
    values = (primary, last_id) if len(keys) == 2 else (primary, secondary, last_id)
    beyond = operator.lt if descending else operator.gt
    return beyond(sa.tuple_(*keys), sa.tuple_(*values))


def _cursor_of(row: dict[str, Any], sort_by: str) -> str:
    primary = row[SORT_KEYS[sort_by]]
    secondary = row["created_at" if sort_by == "archivedAt" else "updated_at"]
    payload = {
        "primary": _iso(primary) if isinstance(primary, datetime) else primary,
        "secondary": _iso(secondary),
        "id": row["conversation_id"],
        "sortBy": sort_by,
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


def decode_cursor(cursor: str) -> tuple[Any, Any, str]:
    try:
        data = json.loads(base64.b64decode(cursor, validate=True))
        primary = _primary(data.get("sortBy", "updatedAt"), data["primary"])
        return primary, _parse(data["secondary"]), str(UUID(data["id"]))
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError, binascii.Error):
        raise Invalid("Invalid cursor") from None


def _primary(sort_by: str, value: Any) -> Any:
    if sort_by == "title":
        return str(value or "")
    return _parse(value) if value else EPOCH


def conversation_ids(
    conn: sa.Connection,
    user_id: UUID,
    archived: bool | None = None,
    tag: str | None = None,
    project: str | None = None,
) -> list[UUID]:
    query = sa.select(CONVERSATIONS.c.conversation_id).where(
        CONVERSATIONS.c.user_id == str(user_id), CONVERSATIONS.c.expired_at.is_(None)
    )
    if archived is not None:
        query = query.where(CONVERSATIONS.c.is_archived.is_(archived))
    if project is not None:
        query = query.where(CONVERSATIONS.c.project_id == project)
    if tag is not None:
        query = query.where(
            CONVERSATIONS.c.conversation_id.in_(
                sa.select(LINKS.c.conversation_id).where(
                    LINKS.c.tag == tag, LINKS.c.user_id == str(user_id)
                )
            )
        )
    return [UUID(r) for r in conn.execute(query).scalars()]


def unanswered_between(
    conn: sa.Connection, since: datetime, until: datetime, limit: int = 1000
) -> list[tuple[UUID, UUID]]:
    """(user id, conversation id) of conversations last changed in [since, until] whose
    newest message is the user's: one query, so a sweep round loads only those aggregates."""
    newest_by_user = (
        sa.select(MESSAGES.c.is_created_by_user)
        .where(
            MESSAGES.c.conversation_id == CONVERSATIONS.c.conversation_id,
            MESSAGES.c.user_id == CONVERSATIONS.c.user_id,
        )
        .order_by(MESSAGES.c.created_at.desc(), MESSAGES.c.sequence.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = conn.execute(
        sa.select(CONVERSATIONS.c.user_id, CONVERSATIONS.c.conversation_id)
        .where(CONVERSATIONS.c.updated_at.between(since, until), newest_by_user == sa.true())
        .limit(limit)
    )
    return [(UUID(user), UUID(conversation)) for user, conversation in rows]


def transcript(conn: sa.Connection, conversation_id: UUID) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(MESSAGES)
        .where(MESSAGES.c.conversation_id == str(conversation_id))
        .order_by(MESSAGES.c.created_at, MESSAGES.c.sequence)
    )
    return [dict(r._mapping) for r in rows]


def tags_with_counts(conn: sa.Connection, user_id: UUID) -> list[dict[str, Any]]:
    counts = (
        sa.select(LINKS.c.tag, sa.func.count().label("count"))
        .where(LINKS.c.user_id == str(user_id))
        .group_by(LINKS.c.tag)
        .subquery()
    )
    rows = conn.execute(
        sa.select(TAGS, sa.func.coalesce(counts.c.count, 0).label("count"))
        .select_from(TAGS.outerjoin(counts, counts.c.tag == TAGS.c.tag))
        .where(TAGS.c.user_id == str(user_id))
        .order_by(TAGS.c.position, TAGS.c.tag)
    )
    return [dict(r._mapping) for r in rows]


def _iso(value: datetime) -> str:
    return as_utc(value).isoformat()


def _parse(value: str) -> datetime:
    return as_utc(datetime.fromisoformat(value))


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def owner_of(conn: sa.Connection, conversation_id: UUID) -> str | None:
    return conn.execute(
        sa.select(CONVERSATIONS.c.user_id).where(
            CONVERSATIONS.c.conversation_id == str(conversation_id)
        )
    ).scalar()


def message_page(
    conn: sa.Connection,
    conversation_id: UUID,
    *,
    limit: int,
    descending: bool,
    after: datetime | None,
) -> list[dict[str, Any]]:
    """Messages of a conversation by creation time; `after` is the previous page's last."""
    created = MESSAGES.c.created_at
    query = sa.select(MESSAGES).where(MESSAGES.c.conversation_id == str(conversation_id))
    if after is not None:
        query = query.where(created < after if descending else created > after)
    order = (
        [created.desc(), MESSAGES.c.sequence.desc()]
        if descending
        else [created.asc(), MESSAGES.c.sequence.asc()]
    )
    return [dict(r._mapping) for r in conn.execute(query.order_by(*order).limit(limit + 1))]


def message_of_user(conn: sa.Connection, user_id: UUID, message_id: UUID) -> dict[str, Any] | None:
    """The caller's message with this id (LibreChat looks a message up by id and user; an id is
    unique only within its conversation here, so the newest such message answers)."""
    row = conn.execute(
        sa.select(MESSAGES)
        .where(MESSAGES.c.message_id == str(message_id), MESSAGES.c.user_id == str(user_id))
        .order_by(MESSAGES.c.created_at.desc())
        .limit(1)
    ).first()
    return dict(row._mapping) if row else None


def one_message(
    conn: sa.Connection, conversation_id: UUID, message_id: UUID
) -> dict[str, Any] | None:
    row = conn.execute(
        sa.select(MESSAGES).where(
            MESSAGES.c.conversation_id == str(conversation_id),
            MESSAGES.c.message_id == str(message_id),
        )
    ).first()
    return dict(row._mapping) if row else None


def expired_temporary(
    conn: sa.Connection, until: datetime, limit: int = 500
) -> list[tuple[UUID, UUID]]:
    """(user id, conversation id) of temporary chats whose retention ended by `until`."""
    rows = conn.execute(
        sa.select(CONVERSATIONS.c.user_id, CONVERSATIONS.c.conversation_id)
        .where(CONVERSATIONS.c.expired_at.is_not(None), CONVERSATIONS.c.expired_at <= until)
        .order_by(CONVERSATIONS.c.expired_at)
        .limit(limit)
    )
    return [(UUID(user), UUID(conversation)) for user, conversation in rows]
