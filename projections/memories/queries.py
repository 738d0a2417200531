"""A user's memories, newest first (LibreChat's list order)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from projections.memories.memories import MemoryProjection

MEMORIES = MemoryProjection().views()["memories"]


def user_memories(conn: sa.Connection, user_id: UUID) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(MEMORIES)
        .where(MEMORIES.c.user_id == str(user_id))
        .order_by(MEMORIES.c.updated_at.desc(), MEMORIES.c.key)
    )
    return [dict(r._mapping) for r in rows]
