"""MemoryView: one row per memory entry of a user, keyed by (user_id, key), the key being the
user's own. A deleted user's rows are removed and a tombstone kept, so that a rebuild reading
the memory events after the identity events does not bring them back (shredded)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.identity.events import UserDeleted
from domain.memories.events import MemoryCreated, MemoryDeleted, MemoryUpdated
from domain.memories.rules import MAX_KEY
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows

Tables = dict[str, sa.Table]


class MemoryProjection(Projection):
    name = "memories"
    version = 1
    subscriptions = {
        "memories": (MemoryCreated, MemoryUpdated, MemoryDeleted),
        "identity": (UserDeleted,),
    }

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> Tables:
        memories = sa.Table(
            name_for("memories"),
            metadata,
            sa.Column("user_id", sa.String(36), primary_key=True),
            sa.Column("key", sa.String(MAX_KEY), primary_key=True),
            sa.Column("value", sa.Text, nullable=False),
            sa.Column("token_count", sa.Integer, nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        )
        closed = sa.Table(
            name_for("memories_closed"),
            metadata,
            sa.Column("user_id", sa.String(36), primary_key=True),
        )
        return {"memories": memories, "memories_closed": closed}

    def apply(self, rows: Rows, tables: Tables, event: Any) -> None:
        memories, closed = tables["memories"], tables["memories_closed"]
        if isinstance(event, UserDeleted):
            user = {"user_id": str(event.originator_id)}
            rows.delete(memories, user)
            rows.upsert(closed, user, key=["user_id"])
            return
        user = {"user_id": str(event.user_id)}
        if rows.get(closed, user) is not None:
            return
        if isinstance(event, MemoryCreated):
            rows.upsert(memories, _row(event, event.key), key=["user_id", "key"])
        elif isinstance(event, MemoryUpdated):
            rows.delete(memories, {**user, "key": event.key})
            rows.upsert(memories, _row(event, event.new_key), key=["user_id", "key"])
        elif isinstance(event, MemoryDeleted):
            rows.delete(memories, {**user, "key": event.key})


def _row(event: Any, key: str) -> dict[str, Any]:
    return {
        "user_id": str(event.user_id),
        "key": key,
        "value": event.value,
        "token_count": event.token_count,
        "updated_at": event.timestamp,
    }
