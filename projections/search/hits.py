"""A search's hits as LibreChat's client shows them: each message's transcript row with its
conversation's title and model (LibreChat hydrates Meilisearch hits from MongoDB the same way)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from projections.conversations.queries import CONVERSATIONS, MESSAGES


def hydrate(conn: sa.Connection, hits: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Rows in the order of `hits`; a hit whose message or conversation is gone (deleted
    since it was indexed, or a temporary chat) is left out."""
    if not hits:
        return []
    rows = conn.execute(
        sa.select(
            MESSAGES,
            CONVERSATIONS.c.title.label("conversation_title"),
            CONVERSATIONS.c.model.label("conversation_model"),
            CONVERSATIONS.c.settings.label("conversation_settings"),
        )
        .select_from(
            MESSAGES.join(
                CONVERSATIONS, CONVERSATIONS.c.conversation_id == MESSAGES.c.conversation_id
            )
        )
        .where(
            sa.tuple_(MESSAGES.c.conversation_id, MESSAGES.c.message_id).in_(hits),
            CONVERSATIONS.c.expired_at.is_(None),
        )
    )
    found = {(r.conversation_id, r.message_id): dict(r._mapping) for r in rows}
    return [found[hit] for hit in hits if hit in found]
