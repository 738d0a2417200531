"""The shared-links index the commands decide on."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.shared.errors import Unavailable
from projections.engine.consistency import ReadYourWrites
from projections.sharing import queries

BEHIND = "Shared links are still being indexed; please retry in a moment"
VIEW = ["shared_links"]
TRANSCRIPT = ["transcript"]


class ProjectedLinkIndex:
    def __init__(self, db: sa.Engine, consistency: ReadYourWrites) -> None:
        self._db = db
        self._consistency = consistency

    def link_of(self, user_id: UUID, share_id: str) -> UUID | None:
        self._consistency.wait(user_id, VIEW)
        with self._db.connect() as conn:
            found = queries.own_stream_id(conn, user_id, share_id)
        return UUID(found) if found else None

    def has_live_link(self, user_id: UUID, conversation_id: UUID) -> bool:
        # A create refused on it must not be let through by a lagging read model.
        if not self._consistency.wait_for_head(VIEW):
            raise Unavailable(BEHIND)
        with self._db.connect() as conn:
            return queries.has_active_link(conn, user_id, conversation_id)

    def by_share_id(self, share_id: str) -> dict[str, Any] | None:
        """A link anyone may try to open: when it is not found, the read model is first
        brought up to date with every link created so far (a viewer has no writes of its
        own to wait for, and a link just created must open)."""
        with self._db.connect() as conn:
            row = queries.link_by_share_id(conn, share_id)
        if row is None and self._consistency.wait_for_head(VIEW):
            with self._db.connect() as conn:
                row = queries.link_by_share_id(conn, share_id)
        return row

    def messages(self, link: dict[str, Any]) -> list[dict[str, Any]]:
        """The link's messages from the transcript. Fewer rows than the snapshot holds may
        mean the transcript has not applied them yet (the viewer is not their writer), so
        it is first brought up to date; rows still missing were deleted since."""
        with self._db.connect() as conn:
            rows = queries.shared_messages(conn, link)
        if len(rows) < len(link["message_ids"]) and self._consistency.wait_for_head(TRANSCRIPT):
            with self._db.connect() as conn:
                rows = queries.shared_messages(conn, link)
        return rows
