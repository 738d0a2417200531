"""UserDirectoryView: one row per user (who is registered, role, last login) for admins,
analysts and the CLI. Personal columns are blanked when the user is deleted."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.identity.events import (
    SessionStarted,
    UserDeleted,
    UserLoginFailed,
    UserPasswordChanged,
    UserRegistered,
    UserRoleChanged,
)
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows


class UserDirectoryProjection(Projection):
    name = "user_directory"
    version = 2  # v2: custom role names (up to 500 characters), indexed for role members
    subscriptions = {
        "identity": (
            UserRegistered,
            UserRoleChanged,
            UserDeleted,
            SessionStarted,
            UserLoginFailed,
            UserPasswordChanged,
        ),
    }

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> dict[str, sa.Table]:
        users = sa.Table(
            name_for("user_directory"),
            metadata,
            sa.Column("user_id", sa.String(36), primary_key=True),
            sa.Column("email", sa.String(320), nullable=True),
            sa.Column("name", sa.String(200), nullable=True),
            sa.Column("username", sa.String(200), nullable=True),
            sa.Column("role", sa.String(500), nullable=False),
            sa.Column("provider", sa.String(40), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("login_count", sa.Integer, nullable=False, default=0),
            sa.Column("failed_login_count", sa.Integer, nullable=False, default=0),
            sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
            sa.Index(name_for("user_directory") + "_created_idx", "created_at"),
            sa.Index(name_for("user_directory") + "_role_idx", "role"),
        )
        return {"user_directory": users}

    def apply(self, rows: Rows, tables: dict[str, sa.Table], event: Any) -> None:
        users = tables["user_directory"]
        if isinstance(event, UserRegistered):
            rows.upsert(
                users,
                {
                    "user_id": str(event.originator_id),
                    "email": event.email,
                    "name": event.name,
                    "username": event.username,
                    "role": event.role,
                    "provider": event.provider,
                    "created_at": event.timestamp,
                    "updated_at": event.timestamp,
                    "login_count": 0,
                    "failed_login_count": 0,
                },
                key=["user_id"],
            )
            return
        user = {"user_id": str(getattr(event, "user_id", event.originator_id))}
        if isinstance(event, UserRoleChanged):
            rows.update(users, user, {"role": event.role, "updated_at": event.timestamp})
        elif isinstance(event, SessionStarted):
            rows.update(users, user, {"last_login_at": event.timestamp}, add={"login_count": 1})
        elif isinstance(event, UserLoginFailed):
            rows.update(users, user, add={"failed_login_count": 1})
        elif isinstance(event, UserPasswordChanged):
            rows.update(users, user, {"updated_at": event.timestamp})
        elif isinstance(event, UserDeleted):
            personal = {"email": None, "name": None, "username": None}
            rows.update(
                users,
                user,
                {**personal, "deleted_at": event.timestamp, "updated_at": event.timestamp},
            )


def list_users(
    conn: sa.Connection, tables: dict[str, sa.Table], limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    users = tables["user_directory"]
    rows = conn.execute(
        sa.select(users)
        .where(users.c.deleted_at.is_(None))
        .order_by(users.c.created_at, users.c.user_id)
        .limit(limit)
        .offset(offset)
    )
    return [dict(r._mapping) for r in rows]
