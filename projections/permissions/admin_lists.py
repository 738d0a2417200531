"""What the admin group and grant routes list, from the permissions read model; the caller
sees their own writes (read-your-writes)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.permissions.model import Principal
from projections.engine.consistency import ReadYourWrites
from projections.permissions import queries
from projections.permissions.queries import GRANTS, GROUPS, MEMBERS

PROJECTION = "permissions"


class ProjectedAdminLists:
    def __init__(self, db: sa.Engine, consistency: ReadYourWrites) -> None:
        self._db = db
        self._consistency = consistency

    def groups(
        self, actor: UUID, search: str | None, source: str | None, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Groups by name; `search`: a case-insensitive part of the name, email or
        description. Each row with its `member_ids`."""
        self._consistency.wait(actor, [PROJECTION])
        where = _group_filter(search, source)
        page = sa.select(GROUPS).where(*where).order_by(GROUPS.c.name, GROUPS.c.group_id)
        with self._db.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(page.limit(limit).offset(offset))]
            total = conn.execute(sa.select(sa.func.count()).select_from(GROUPS).where(*where))
            members = _members(conn, [r["group_id"] for r in rows])
        for row in rows:
            row["member_ids"] = members.get(row["group_id"], [])
        return rows, int(total.scalar_one())

    def grants(
        self, actor: UUID, principal_types: list[str], limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        self._consistency.wait(actor, [PROJECTION])
        where = GRANTS.c.principal_type.in_(principal_types)
        page = (
            sa.select(GRANTS)
            .where(where)
            .order_by(GRANTS.c.granted_at, GRANTS.c.principal_id, GRANTS.c.capability)
        )
        with self._db.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(page.limit(limit).offset(offset))]
            total = conn.execute(sa.select(sa.func.count()).select_from(GRANTS).where(where))
            return rows, int(total.scalar_one())

    def grants_of(
        self, actor: UUID, principal_type: str, principal_id: str
    ) -> list[dict[str, Any]]:
        self._consistency.wait(actor, [PROJECTION])
        with self._db.connect() as conn:
            return queries.grants_of(conn, Principal(principal_type, principal_id))


def _group_filter(search: str | None, source: str | None) -> list[Any]:
    where: list[Any] = []
    if source:
        where.append(GROUPS.c.source == source)
    if search:
        pattern = f"%{_escape(search.lower())}%"
        fields = (GROUPS.c.name, GROUPS.c.email, GROUPS.c.description)
        where.append(sa.or_(*(sa.func.lower(f).like(pattern, escape="\\") for f in fields)))
    return where


def _members(conn: sa.Connection, group_ids: list[str]) -> dict[str, list[str]]:
    if not group_ids:
        return {}
    query = (
        sa.select(MEMBERS.c.group_id, MEMBERS.c.user_id)
        .where(MEMBERS.c.group_id.in_(group_ids))
        .order_by(MEMBERS.c.added_at, MEMBERS.c.user_id)
    )
    found: dict[str, list[str]] = {}
    for row in conn.execute(query):
        found.setdefault(row.group_id, []).append(row.user_id)
    return found


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
