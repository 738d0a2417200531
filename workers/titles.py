"""Conversation titles made by a worker after the first turn (DESIGN §5).

The actor is idempotent: a conversation that already has a title (a retry, a duplicate
delivery, or the user renamed it meanwhile) is left alone."""

from __future__ import annotations

import asyncio
from uuid import UUID

import dramatiq

from application.chat.titles import Titles


def register_titles(broker: dramatiq.Broker, titles: Titles) -> dramatiq.Actor[[str, str], None]:
    def generate_title(user_id: str, conversation_id: str) -> None:
        asyncio.run(titles.title_conversation(UUID(user_id), UUID(conversation_id)))

    decorate = dramatiq.actor(
        actor_name="generate_title",
        queue_name="titles",
        broker=broker,
        max_retries=3,
        min_backoff=1_000,
        max_backoff=10_000,
        time_limit=60_000,
    )
    return decorate(generate_title)
