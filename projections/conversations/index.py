"""The conversation index the bulk commands read (after the caller's own writes are in)."""

from __future__ import annotations

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
