"""UserKeyView: which provider keys each user has stored and when each expires — never the
key itself, which stays encrypted in its events (domain/keys/events.py). `GET /api/keys`
answers from here. A deleted user's rows go with the `UserDeleted` event of the same store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.identity.events import UserDeleted
from domain.keys.events import UserKeyRemoved, UserKeysCleared, UserKeySet
from projections.engine.consistency import ReadYourWrites
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows


class UserKeyProjection(Projection):
    name = "user_keys"
    version = 1
    subscriptions = {"identity": (UserKeySet, UserKeyRemoved, UserKeysCleared, UserDeleted)}

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> dict[str, sa.Table]:
        keys = sa.Table(
            name_for("user_keys"),
            metadata,
            sa.Column("user_id", sa.String(36), primary_key=True),
            sa.Column("name", sa.String(256), primary_key=True),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        )
        return {"user_keys": keys}

    def apply(self, rows: Rows, tables: dict[str, sa.Table], event: Any) -> None:
        keys = tables["user_keys"]
        if isinstance(event, UserDeleted):
            rows.delete(keys, {"user_id": str(event.originator_id)})
        elif isinstance(event, UserKeysCleared):
            rows.delete(keys, {"user_id": str(event.user_id)})
        elif isinstance(event, UserKeyRemoved):
            rows.delete(keys, {"user_id": str(event.user_id), "name": event.name})
        else:
            row = {
                "user_id": str(event.user_id),
                "name": event.name,
                "expires_at": event.expires_at,
                "updated_at": event.timestamp,
            }
            rows.upsert(keys, row, key=["user_id", "name"])


USER_KEYS = UserKeyProjection().views()["user_keys"]


def key_expiry(conn: sa.Connection, user_id: UUID, name: str) -> tuple[bool, datetime | None]:
    """(whether the user has a key of that name, when it expires: None for never)."""
    row = conn.execute(
        sa.select(USER_KEYS.c.expires_at).where(
            USER_KEYS.c.user_id == str(user_id), USER_KEYS.c.name == name
        )
    ).first()
    if row is None:
        return False, None
    expires = row.expires_at
    return True, expires if expires is None or expires.tzinfo else expires.replace(tzinfo=UTC)


class ProjectedKeyExpiries:
    """The `KeyExpiries` port: a user's read waits for their own latest key writes."""

    def __init__(self, db: sa.Engine, consistency: ReadYourWrites) -> None:
        self._db = db
        self._consistency = consistency

    def expiry(self, user_id: UUID, name: str) -> tuple[bool, datetime | None]:
        self._consistency.wait(user_id, ["user_keys"])
        with self._db.connect() as conn:
            return key_expiry(conn, user_id, name)
