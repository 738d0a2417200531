"""Parked events (projections/engine/parking.py): one event a projection cannot apply is set
aside with its error, and the projection goes on for everyone else.

`Picky` is a small test read model: one row per ConversationStarted (no unique key, so an
event applied twice shows as two rows), written through the engine's buffered rows, with a
CHECK on the title's length (a database refusal, raised when the buffered run is flushed)
and a set of titles its apply refuses (a refusal in Python, which a "fix" can lift).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa

from domain.conversations.conversation import Conversation
from domain.conversations.events import ConversationStarted, MessagePosted
from domain.conversations.rules import NO_PARENT
from infrastructure.database import create_engine
from projections.conversations.transcript import TranscriptProjection
from projections.engine.engine import ProjectionEngine
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows

SMALL_POOLS = {"postgres_pool_size": 1, "postgres_max_overflow": 4}
REFUSED = "refused"
TOO_LONG = "t" * 21


class Picky(Projection):
    name = "engine_picky"
    version = 1
    subscriptions = {"conversations": (ConversationStarted,)}

    def __init__(self, refused: set[str] | None = None) -> None:
        self.refused = refused if refused is not None else {REFUSED}

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> dict[str, sa.Table]:
        table = sa.Table(
            name_for("engine_picky"),
            metadata,
            sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("originator_id", sa.String(36), nullable=False),
            sa.Column("title", sa.Text, nullable=False),
            sa.CheckConstraint("length(title) <= 20", name=name_for("picky_title")),
        )
        return {"engine_picky": table}

    def apply(self, rows: Rows, tables: dict[str, sa.Table], event: Any) -> None:
        if event.title in self.refused:
            raise ValueError(f"refused title {event.title!r}")
        row = {"originator_id": str(event.originator_id), "title": event.title}
        rows.insert(tables["engine_picky"], row)


def _engine(db: sa.Engine, container: Any, projection: Projection, batch: int) -> ProjectionEngine:
    engine = ProjectionEngine(db, container.stores, [projection], batch_size=batch)
    engine.prepare()
    return engine


def _start(container: Any, titles: list[str]) -> list[tuple[int, str]]:
    """One ConversationStarted per title, in one commit; (notification id, id) of each."""
    conversations = [Conversation.start(uuid.uuid4(), uuid.uuid4(), title=t) for t in titles]
    position = container.stores["conversations"].commit(*conversations)
    assert position is not None
    first = position.notification_id - len(conversations) + 1
    return [(first + i, str(c.id)) for i, c in enumerate(conversations)]


def _rows(container: Any) -> list[str]:
    view = Picky().views()["engine_picky"]
    with container.db.connect() as conn:
        return sorted(str(r) for r in conn.execute(sa.select(view.c.originator_id)).scalars())


def _lag(engine: ProjectionEngine) -> Any:
    (lag,) = [lag for lag in engine.status() if lag.projection == Picky.name]
    return lag


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_an_event_apply_refuses_is_parked_and_the_events_after_it_are_applied(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given 25 events, the 13th of which the projection refuses, read in batches of 10
    container = container_for(kind, **SMALL_POOLS)
    titles = [f"chat {i}" for i in range(25)]
    titles[12] = REFUSED
    logged = _start(container, titles)
    engine = _engine(container.db, container, Picky(), batch=10)
    # When it catches up
    applied = engine.catch_up(Picky.name)
    # Then every other event is applied, exactly once, and the projection is at the head
    good = [i for n, (_, i) in enumerate(logged) if n != 12]
    assert (applied, _rows(container)) == (24, sorted(good))
    lag = _lag(engine)
    assert (lag.position, lag.behind, lag.events_applied, lag.parked) == (logged[-1][0], 0, 24, 1)
    # ... and the refused one is parked with its error
    (parked,) = engine.parked(Picky.name)
    assert (parked.context, parked.notification_id, parked.topic) == (
        "conversations",
        logged[12][0],
        ConversationStarted.TOPIC,
    )
    assert (parked.originator_id, parked.error_class) == (logged[12][1], "builtins.ValueError")
    assert parked.error == "refused title 'refused'"


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_value_the_table_refuses_is_parked_alike_buffered_or_one_by_one(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given events applied in one buffered run of 30, then a batch with a title too long for
    # the table's CHECK (the database refuses the whole multi-row insert) among good ones
    container = container_for(kind, **SMALL_POOLS)
    logged = _start(container, [f"first {i}" for i in range(30)])
    engine = _engine(container.db, container, Picky(), batch=500)
    assert engine.catch_up(Picky.name) == 30
    logged += _start(container, ["before", TOO_LONG, "after"])
    # When it catches up
    assert engine.catch_up(Picky.name) == 2
    # Then the good ones are applied and only the long one is parked, with the database's error
    incremental = _rows(container)
    assert incremental == sorted(i for n, (_, i) in enumerate(logged) if n != 31)
    (parked,) = engine.parked(Picky.name)
    assert parked.notification_id == logged[31][0]
    assert "picky_title" in parked.error, parked.error  # the constraint's name, and not ...
    assert "INSERT" not in parked.error and TOO_LONG not in parked.error  # its data
    # ... and a rebuild that must isolate it inside one large batch gives the same rows
    generation = engine.start_rebuild(Picky.name)
    assert engine.catch_up(Picky.name) == 32
    assert not engine.is_building(Picky.name)
    assert _rows(container) == incremental
    assert [(p.generation, p.notification_id) for p in engine.parked(Picky.name)] == [
        (generation, logged[31][0])
    ]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_retry_applies_parked_events_once_the_cause_is_fixed(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given a projection that parked two refused events
    container = container_for(kind, **SMALL_POOLS)
    logged = _start(container, ["a", REFUSED, "b", "also refused", "c"])
    picky = Picky({REFUSED, "also refused"})
    engine = _engine(container.db, container, picky, batch=2)
    assert engine.catch_up(Picky.name) == 3
    # When a retry runs before the fix, both stay parked, with their attempts counted
    assert (engine.retry_parked(Picky.name).applied, _lag(engine).parked) == (0, 2)
    assert [p.attempts for p in engine.parked(Picky.name)] == [2, 2]
    # ... and after a fix for one of them, a retry applies that one
    picky.refused.discard(REFUSED)
    retried = engine.retry_parked(Picky.name)
    assert (retried.applied, retried.parked) == (1, 1)
    assert [p.notification_id for p in engine.parked(Picky.name)] == [logged[3][0]]
    # ... and after the other fix, the last one: the read model holds every event, once
    picky.refused.clear()
    assert engine.retry_parked(Picky.name).applied == 1
    assert _rows(container) == sorted(i for _, i in logged)
    lag = _lag(engine)
    assert (lag.events_applied, lag.parked, engine.parked(Picky.name)) == (5, 0, [])


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_transient_error_fails_the_batch_and_parks_nothing(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given a projection whose database connection drops once (then a refused event)
    container = container_for(kind, **SMALL_POOLS)
    logged = _start(container, ["a", "b", REFUSED, "c"])
    failing = [True]

    class Flaky(Picky):
        def apply(self, rows: Rows, tables: dict[str, sa.Table], event: Any) -> None:
            if failing[0] and event.title == "b":
                raise sa.exc.OperationalError(
                    "INSERT", {}, Exception("server closed the connection")
                )
            super().apply(rows, tables, event)

    engine = _engine(container.db, container, Flaky(), batch=10)
    # When it catches up, the error surfaces and the batch rolls back, nothing parked
    with pytest.raises(sa.exc.OperationalError):
        engine.catch_up(Picky.name)
    assert (_rows(container), engine.parked(Picky.name), _lag(engine).position) == ([], [], 0)
    # Then the next run, with the connection back, applies it and parks only the refused one
    failing[0] = False
    assert engine.catch_up(Picky.name) == 3
    assert [p.notification_id for p in engine.parked(Picky.name)] == [logged[2][0]]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_racing_workers_park_each_refused_event_once(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given two workers of one projection (own connections each) and events arriving, every
    # 7th of them refused
    container = container_for(kind, **SMALL_POOLS)
    url = container.db.url.render_as_string(hide_password=False)
    other_db = create_engine(url, pool_size=1, max_overflow=2)
    workers = [
        _engine(container.db, container, Picky(), batch=5),
        _engine(other_db, container, Picky(), batch=5),
    ]
    logged: list[tuple[int, str]] = []
    writing = threading.Event()
    writing.set()

    def write_events() -> None:
        try:
            for round_ in range(10):
                titles = [REFUSED if (round_ * 10 + i) % 7 == 0 else "ok" for i in range(10)]
                logged.extend(_start(container, titles))
        finally:
            writing.clear()

    def work(engine: ProjectionEngine) -> int:
        total = 0
        while writing.is_set():
            total += engine.catch_up(Picky.name)
            time.sleep(0.002)  # pacing, so that SQLite's busy handler gets its turn
        return total + engine.catch_up(Picky.name)

    try:
        # When both catch up over and over while events keep coming
        with ThreadPoolExecutor(3) as pool:
            racing = [pool.submit(work, engine) for engine in workers]
            pool.submit(write_events).result(60)
            totals = [future.result(60) for future in racing]
    finally:
        other_db.dispose()
    # Then each good event has one row, each refused one is parked once, by one of them
    refused = [n for n, _ in logged[::7]]
    assert _rows(container) == sorted(i for n, i in logged if n not in refused)
    assert [p.notification_id for p in workers[0].parked(Picky.name)] == refused
    assert sum(totals) == len(logged) - len(refused)


# ------------------------------------------------------------- the real cases
REAL_CASES = [
    pytest.param("sqlite", {"token_count": 2**70}, id="sqlite-token-count-beyond-64-bits"),
    pytest.param("postgres", {"token_count": 2**70}, id="postgres-token-count-beyond-64-bits"),
    pytest.param("postgres", {"sender": "s" * 201}, id="postgres-sender-over-200"),
    pytest.param("postgres", {"text": "a\x00b"}, id="postgres-nul-in-text"),
]


@pytest.mark.parametrize(("kind", "bad"), REAL_CASES)
def test_a_message_the_transcript_cannot_store_does_not_hold_back_other_users(
    kind: str, bad: dict[str, Any], container_for: Callable[..., Any]
) -> None:
    # Given a message whose fields the transcript's table cannot hold, written straight into
    # the store (as events recorded before validation caught them are), then another
    # user's message
    container = container_for(kind)
    bad_message, good_message = uuid.uuid4(), uuid.uuid4()
    first, second = (Conversation.start(uuid.uuid4(), uuid.uuid4()) for _ in range(2))
    fields = {"sender": "User", "is_created_by_user": True, "text": "hi"} | bad
    first._record(
        MessagePosted,
        user_id=first.user_id,
        message_id=bad_message,
        parent_message_id=NO_PARENT,
        **fields,
    )
    second.post(good_message, NO_PARENT, sender="User", is_created_by_user=True, text="hello")
    store = container.stores["conversations"]
    store.commit(first)
    store.commit(second)
    # When the transcript catches up
    container.projections.catch_up(TranscriptProjection.name)
    # Then the other user's message is served and the projection is at the head
    messages = TranscriptProjection().views()["messages"]
    with container.db.connect() as conn:
        served = set(conn.execute(sa.select(messages.c.message_id)).scalars())
    assert served == {str(good_message)}
    (lag,) = [
        lag
        for lag in container.projections.status()
        if (lag.projection, lag.context) == (TranscriptProjection.name, "conversations")
    ]
    assert (lag.behind, lag.parked) == (0, 1)
    (parked,) = container.projections.parked(TranscriptProjection.name)
    assert (parked.topic, parked.originator_id) == (MessagePosted.TOPIC, str(first.id))
