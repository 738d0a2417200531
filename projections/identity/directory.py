"""The directory the admin routes read: users (list, prefix search, members of a role) and
custom roles, from the user_directory and role_directory read models.

A caller sees its own writes (read-your-writes); the member lists a command acts on (a role
renamed or deleted moves every member) are complete as of the command's start, or an error."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.shared.errors import Unavailable
from projections.engine.consistency import ReadYourWrites
from projections.identity import role_directory
from projections.identity.user_directory import UserDirectoryProjection

BEHIND = "Users are still being indexed; please retry in a moment"
_USERS = UserDirectoryProjection().views()["user_directory"]


class ProjectedDirectory:
    def __init__(self, db: sa.Engine, consistency: ReadYourWrites) -> None:
        self._db = db
        self._consistency = consistency

    # ------------------------------------------------------------------ users
    def users(self, actor: UUID | None, limit: int, offset: int) -> tuple[list[Any], int]:
        self._consistency.wait(actor, ["user_directory"])
        live = _USERS.c.deleted_at.is_(None)
        page = sa.select(_USERS).where(live).order_by(_USERS.c.created_at.desc())
        with self._db.connect() as conn:
            rows = list(conn.execute(page.limit(limit).offset(offset)))
            total = conn.execute(sa.select(sa.func.count()).where(live)).scalar_one()
        return rows, int(total)

    def search_users(self, actor: UUID | None, prefix: str, limit: int) -> list[Any]:
        self._consistency.wait(actor, ["user_directory"])
        pattern = _escape(prefix.lower()) + "%"
        matches = sa.or_(
            *(
                sa.func.lower(column).like(pattern, escape="\\")
                for column in (_USERS.c.name, _USERS.c.email, _USERS.c.username)
            )
        )
        query = (
            sa.select(_USERS)
            .where(_USERS.c.deleted_at.is_(None), matches)
            .order_by(_USERS.c.name, _USERS.c.user_id)
            .limit(limit)
        )
        with self._db.connect() as conn:
            return list(conn.execute(query))

    def members(
        self, actor: UUID | None, role: str, limit: int, offset: int
    ) -> tuple[list[Any], int]:
        self._consistency.wait(actor, ["user_directory"])
        where = (_USERS.c.role == role, _USERS.c.deleted_at.is_(None))
        page = sa.select(_USERS).where(*where).order_by(_USERS.c.created_at, _USERS.c.user_id)
        with self._db.connect() as conn:
            rows = list(conn.execute(page.limit(limit).offset(offset)))
            total = conn.execute(sa.select(sa.func.count()).where(*where)).scalar_one()
        return rows, int(total)

    def member_ids(self, role: str) -> list[UUID]:
        """Every live user whose role is `role`, complete (it is acted on), else Unavailable."""
        if not self._consistency.wait_for_head(["user_directory"]):
            raise Unavailable(BEHIND)
        query = sa.select(_USERS.c.user_id).where(
            _USERS.c.role == role, _USERS.c.deleted_at.is_(None)
        )
        with self._db.connect() as conn:
            return [UUID(r.user_id) for r in conn.execute(query)]

    def names(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Registered users' names (a deleted user's is gone); ids that are not UUIDs skipped."""
        wanted = [i for i in set(user_ids) if _is_uuid(i)]
        if not wanted:
            return {}
        query = sa.select(_USERS.c.user_id, _USERS.c.name).where(_USERS.c.user_id.in_(wanted))
        with self._db.connect() as conn:
            return {r.user_id: r.name for r in conn.execute(query) if r.name}

    def people(self, user_ids: Iterable[str]) -> dict[str, dict[str, str | None]]:
        """Name and email of registered users (None once deleted), by id."""
        wanted = [i for i in set(user_ids) if _is_uuid(i)]
        if not wanted:
            return {}
        query = sa.select(_USERS.c.user_id, _USERS.c.name, _USERS.c.email).where(
            _USERS.c.user_id.in_(wanted)
        )
        with self._db.connect() as conn:
            return {r.user_id: {"name": r.name, "email": r.email} for r in conn.execute(query)}

    # ------------------------------------------------------------------ roles
    def custom_roles(
        self, actor: UUID | None, limit: int, offset: int, builtin: list[str]
    ) -> tuple[list[Any], int]:
        self._consistency.wait(actor, ["role_directory"])
        with self._db.connect() as conn:
            rows = role_directory.list_custom(conn, limit, offset, builtin) if limit else []
            return rows, role_directory.count_custom(conn, builtin)


def _is_uuid(text: str) -> bool:
    try:
        return str(UUID(text)) == text
    except ValueError:
        return False


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
