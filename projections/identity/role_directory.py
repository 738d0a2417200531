"""RoleDirectoryView: one row per role document an admin defined or changed (custom roles,
and the built-in ones once changed): what the admin role list pages through."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.identity.events import RoleDefined, RoleDeleted, RoleDescribed, RolePermissionsUpdated
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows


class RoleDirectoryProjection(Projection):
    name = "role_directory"
    version = 1
    subscriptions = {
        "identity": (RoleDefined, RolePermissionsUpdated, RoleDescribed, RoleDeleted),
    }

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> dict[str, sa.Table]:
        roles = sa.Table(
            name_for("role_directory"),
            metadata,
            sa.Column("name", sa.String(500), primary_key=True),
            sa.Column("role_id", sa.String(36), nullable=False),
            sa.Column("description", sa.Text, nullable=False),
            sa.Column("permissions", sa.JSON, nullable=False),  # the flags admins set
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        )
        return {"role_directory": roles}

    def apply(self, rows: Rows, tables: dict[str, sa.Table], event: Any) -> None:
        roles = tables["role_directory"]
        key = {"name": event.name}
        if isinstance(event, RoleDefined):
            row = {
                "name": event.name,
                "role_id": str(event.originator_id),
                "description": event.description,
                "permissions": event.permissions,
                "created_at": event.timestamp,
                "updated_at": event.timestamp,
            }
            rows.upsert(roles, row, key=["name"])
        elif isinstance(event, RolePermissionsUpdated):
            current = rows.get(roles, key)
            merged = {k: dict(v) for k, v in (current or {}).get("permissions", {}).items()}
            for kind, flags in event.permissions.items():
                merged.setdefault(kind, {}).update(flags)
            rows.update(roles, key, {"permissions": merged, "updated_at": event.timestamp})
        elif isinstance(event, RoleDescribed):
            rows.update(
                roles, key, {"description": event.description, "updated_at": event.timestamp}
            )
        elif isinstance(event, RoleDeleted):
            rows.delete(roles, key)


def list_custom(conn: sa.Connection, limit: int, offset: int, exclude: list[str]) -> list[Any]:
    roles = RoleDirectoryProjection().views()["role_directory"]
    query = (
        sa.select(roles.c.role_id, roles.c.name, roles.c.description)
        .where(roles.c.name.not_in(exclude))
        .order_by(roles.c.created_at, roles.c.name)
        .limit(limit)
        .offset(offset)
    )
    return list(conn.execute(query))


def count_custom(conn: sa.Connection, exclude: list[str]) -> int:
    roles = RoleDirectoryProjection().views()["role_directory"]
    query = sa.select(sa.func.count()).select_from(roles).where(roles.c.name.not_in(exclude))
    return int(conn.execute(query).scalar_one())
