"""Loading a long conversation: from its latest snapshot (what the store does) against
folding all of its events (what it would do without snapshots). The timing that used to be
a wall-clock assert in tests/integration/test_conversation_snapshots.py."""

from __future__ import annotations

import statistics
import time
import uuid
from typing import Any

import msgspec

from application.bootstrap import bootstrap
from bench.append import bench_settings
from bench.common import Row
from domain.conversations.conversation import Conversation
from domain.conversations.rules import NO_PARENT


def run(url: str, messages: int, rounds: int = 5) -> list[Row]:
    # no aggregate cache: this measures the store's own path
    settings = msgspec.structs.replace(bench_settings(url), aggregate_cache_size=0)
    container = bootstrap(settings, workers=False)
    try:
        store = container.stores["conversations"]
        convo_id = _long_conversation(store, messages)
        snapshot = _median(rounds, lambda: store.load(Conversation, convo_id))
        replay = _median(rounds, lambda: Conversation.project(None, store.events.get(convo_id)))
    finally:
        container.close()
    return [
        Row(
            "long convo load",
            f"{messages} messages",
            snapshot * 1000,
            replay * 1000,
            "ms; baseline: all events",
            higher_is_better=False,
            target="< 2000 ms",
        )
    ]


def _long_conversation(store: Any, messages: int) -> uuid.UUID:
    convo = Conversation.start(uuid.uuid4(), uuid.uuid4())
    parent = NO_PARENT
    for i in range(messages):
        message = uuid.uuid4()
        convo.post(message, parent, sender="User", is_created_by_user=True, text=f"m{i}")
        parent = message
        if i % 250 == 249:
            store.commit(convo)
    store.commit(convo)
    return convo.id


def _median(rounds: int, load: Any) -> float:
    took = []
    for _ in range(rounds):
        started = time.perf_counter()
        load()
        took.append(time.perf_counter() - started)
    return statistics.median(took)
