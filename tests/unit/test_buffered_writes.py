"""Batched projection writes leave exactly the rows that writing event by event leaves."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from domain.conversations.events import ConversationStarted, MessagePosted
from infrastructure.database import BufferedConnection
from projections.conversations.conversation_list import ConversationListProjection
from projections.conversations.transcript import TranscriptProjection

ROOT = uuid.UUID(int=0)


def _events(seed: int) -> list[Any]:
    """Users' conversations with posts interleaved, some started while others are going on,
    endpoints sometimes unset."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    convos: dict[uuid.UUID, uuid.UUID] = {}
    versions: dict[uuid.UUID, int] = {}
    events: list[Any] = []

    def begin(at: datetime) -> None:
        convo, user = uuid.uuid4(), uuid.uuid4()
        convos[convo], versions[convo] = user, 1
        started = ConversationStarted(
            originator_id=convo, originator_version=1, timestamp=at, user_id=user
        )
        events.append(started)

    for _ in range(3):
        begin(start)
    for n in range(200):
        if rng.random() < 0.1:
            begin(start + timedelta(seconds=n))
        recent = list(convos)[-1]
        convo = rng.choice(list(convos)) if rng.random() < 0.3 else recent
        versions[convo] += 1
        events.append(
            MessagePosted(
                originator_id=convo,
                originator_version=versions[convo],
                timestamp=start + timedelta(seconds=n),
                user_id=convos[convo],
                message_id=uuid.uuid4(),
                parent_message_id=ROOT,
                sender="User",
                is_created_by_user=True,
                text=f"m{n}",
                endpoint=rng.choice([None, "", "openAI", "anthropic"]),
                model=rng.choice([None, "gpt-4o", "claude"]),
            )
        )
    return events


def _apply(buffered: bool, events: list[Any], batch: int = 1000) -> dict[str, list[Any]]:
    """Apply `events` in batches of `batch` (a buffered connection per batch, as the engine
    does), or one by one on the bare connection."""
    engine = sa.create_engine("sqlite://")
    metadata = sa.MetaData()
    projections = [ConversationListProjection(), TranscriptProjection()]
    tables = [p.define(metadata, lambda name: name) for p in projections]
    metadata.create_all(engine)
    with engine.begin() as conn:
        for projection, own in zip(projections, tables, strict=True):  # as the engine does
            for first in range(0, len(events), batch):
                target: Any = BufferedConnection(conn) if buffered else conn
                for event in events[first : first + batch]:
                    projection.apply(target, own, event)
                if buffered:
                    target.flush()
        return {
            name: sorted(tuple(row) for row in conn.execute(sa.select(table)))
            for own in tables
            for name, table in own.items()
        }


def test_buffered_application_equals_event_by_event() -> None:
    for seed in range(4):
        events = _events(seed)
        for cut in range(5, len(events) + 1, 13):  # the state after every run length
            expected = _apply(False, events[:cut])
            for batch in (7, 50, 1000):  # conversations started in this batch or an earlier one
                assert _apply(True, events[:cut], batch) == expected, (seed, cut, batch)


def test_a_repeated_key_starts_a_new_run() -> None:
    engine = sa.create_engine("sqlite://")
    metadata = sa.MetaData()
    table = sa.Table(
        "t", metadata, sa.Column("k", sa.Integer, primary_key=True), sa.Column("v", sa.Integer)
    )
    metadata.create_all(engine)
    from infrastructure.database import upsert

    with engine.begin() as conn:
        buffered = BufferedConnection(conn)
        for k, v in [(1, 1), (2, 2), (1, 3), (1, 4)]:
            upsert(buffered, table, {"k": k, "v": v}, key=["k"])  # type: ignore[arg-type]
        buffered.flush()
        assert sorted(conn.execute(sa.select(table))) == [(1, 4), (2, 2)]
