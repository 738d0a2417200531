"""Conversation titles made by a worker after the first turn (DESIGN §5).

The actor is idempotent: a conversation that already has a title (a retry, a duplicate
delivery, or the user renamed it meanwhile) is left alone."""

from __future__ import annotations

import asyncio
from uuid import UUID

import dramatiq

from application.chat.titles import Titles
from workers.actors import declare


def register_titles(broker: dramatiq.Broker, titles: Titles) -> dramatiq.Actor[[str, str], None]:
    def generate_title(user_id: str, conversation_id: str) -> None:
        asyncio.run(titles.title_conversation(UUID(user_id), UUID(conversation_id)))

    return declare(
        broker,
        generate_title,
        name="generate_title",
        queue="titles",
        max_retries=3,
        backoff_ms=(1_000, 10_000),
        time_limit_ms=60_000,
    )
