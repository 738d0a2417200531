"""The conversation index the bulk commands read: complete as of the command's start, or an
error (never a silently shorter list)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from domain.shared.errors import Unavailable
from projections.conversations import queries
from projections.engine.consistency import ReadYourWrites

BEHIND = "Conversations are still being indexed; please retry in a moment"


class ProjectedConversationIndex:
    def __init__(self, db: sa.Engine, consistency: ReadYourWrites) -> None:
        self._db = db
        self._consistency = consistency

    def conversation_ids(
        self,
        user_id: UUID,
        *,
        archived: bool | None = None,
        tag: str | None = None,
        project: str | None = None,
    ) -> list[UUID]:
        # A bulk command acts on every conversation this returns: a list missing some (a
        # lagging projection) would skip them silently, so it is complete or an error.
        if not self._consistency.wait_for_head(["conversation_list"]):
            raise Unavailable(BEHIND)
        with self._db.connect() as conn:
            return queries.conversation_ids(conn, user_id, archived, tag, project)

    def unanswered_between(self, since: datetime, until: datetime) -> list[tuple[UUID, UUID]]:
        """For background sweeps: no caller's writes to wait for."""
        with self._db.connect() as conn:
            return queries.unanswered_between(conn, since, until)

    def conversation_of_message(self, user_id: UUID, message_id: UUID) -> UUID | None:
        self._consistency.wait(user_id, ["transcript"])
        with self._db.connect() as conn:
            row = queries.message_of_user(conn, user_id, message_id)
        return UUID(row["conversation_id"]) if row else None

    def expired_temporary(self, until: datetime) -> list[tuple[UUID, UUID]]:
        with self._db.connect() as conn:
            return queries.expired_temporary(conn, until)
