"""The people picker's and the principals list's view of accounts: the user directory read
by id, and searched by name, email or username (live accounts only)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from projections.identity.user_directory import UserDirectoryProjection

USERS = UserDirectoryProjection().views()["user_directory"]


def users_by_id(conn: sa.Connection, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = list(ids)
    if not wanted:
        return {}
    query = sa.select(USERS).where(USERS.c.user_id.in_(wanted), USERS.c.deleted_at.is_(None))
    return {r.user_id: dict(r._mapping) for r in conn.execute(query)}


def search_users(conn: sa.Connection, text: str, limit: int) -> list[dict[str, Any]]:
    pattern = f"%{_escape(text.lower())}%"
    fields = (USERS.c.name, USERS.c.email, USERS.c.username)
    query = (
        sa.select(USERS)
        .where(
            USERS.c.deleted_at.is_(None),
            sa.or_(*(sa.func.lower(f).like(pattern, escape="\\") for f in fields)),
        )
        .order_by(USERS.c.created_at, USERS.c.user_id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
