"""Queries of the agents read model: the marketplace list (LibreChat's cursor: base64 of
`{updatedAt, _id}`, newest first, ties by `_id`), search, category and promoted filters
over the ids the caller may access, and the category counts."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from projections.agents.agent_list import AgentListProjection

AGENTS = AgentListProjection().views()["agents"]


@dataclass(frozen=True)
class Cursor:
    updated_at: datetime
    stream_id: str


@dataclass(frozen=True)
class Listing:
    ids: Sequence[str]  # the `_id`s the caller may access
    limit: int
    cursor: Cursor | None = None
    category: str | None = None
    search: str | None = None
    promoted: bool | None = None


def encode_cursor(row: dict[str, Any]) -> str:
    raw = {"updatedAt": _iso(row["updated_at"]), "_id": row["stream_id"]}
    return base64.b64encode(json.dumps(raw, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str) -> Cursor | None:
    """None for a cursor that is not one of ours (LibreChat ignores it: the first page)."""
    try:
        raw = json.loads(base64.b64decode(cursor, validate=True))
        when = datetime.fromisoformat(str(raw["updatedAt"]).replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return Cursor(when, str(raw["_id"])[:36])
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


def list_agents(conn: sa.Connection, listing: Listing) -> tuple[list[dict[str, Any]], bool]:
    if not listing.ids:
        return [], False
    query = sa.select(AGENTS).where(AGENTS.c.stream_id.in_(list(listing.ids)))
    if listing.category:
        query = query.where(AGENTS.c.category == listing.category)
    if listing.promoted is not None:
        query = query.where(AGENTS.c.is_promoted.is_(listing.promoted))
    if listing.search:
        pattern = "%" + _escape(listing.search) + "%"
        query = query.where(
            sa.or_(
                AGENTS.c.name.ilike(pattern, escape="\\"),
                AGENTS.c.description.ilike(pattern, escape="\\"),
            )
        )
    if listing.cursor is not None:
        at, sid = listing.cursor.updated_at, listing.cursor.stream_id
        query = query.where(
            sa.or_(
                AGENTS.c.updated_at < at,
                sa.and_(AGENTS.c.updated_at == at, AGENTS.c.stream_id > sid),
            )
        )
    query = query.order_by(AGENTS.c.updated_at.desc(), AGENTS.c.stream_id).limit(listing.limit + 1)
    found = [dict(r._mapping) for r in conn.execute(query)]
    return found[: listing.limit], len(found) > listing.limit


def category_counts(conn: sa.Connection, ids: Sequence[str]) -> dict[str, int]:
    if not ids:
        return {}
    query = (
        sa.select(AGENTS.c.category, sa.func.count())
        .where(AGENTS.c.stream_id.in_(list(ids)))
        .group_by(AGENTS.c.category)
    )
    return {str(c or ""): int(n) for c, n in conn.execute(query)}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
