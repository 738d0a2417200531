"""The conversation index the bulk commands read (after the caller's own writes are in)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from projections.conversations import queries
from projections.engine.consistency import ReadYourWrites


class ProjectedConversationIndex:
    def __init__(self, db: sa.Engine, consistency: ReadYourWrites) -> None:
        self._db = db
        self._consistency = consistency

    def conversation_ids(
        self, user_id: UUID, *, archived: bool | None = None, tag: str | None = None
    ) -> list[UUID]:
        self._consistency.wait(user_id, ["conversation_list"])
        with self._db.connect() as conn:
            return queries.conversation_ids(conn, user_id, archived, tag)

    def updated_between(self, since: datetime, until: datetime) -> list[tuple[UUID, UUID]]:
        """For background sweeps: no caller's writes to wait for."""
        with self._db.connect() as conn:
            return queries.updated_between(conn, since, until)
