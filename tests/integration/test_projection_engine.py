"""The projection engine's exactly-once catch-up, against real databases (DESIGN §4):

- two workers racing on one projection apply every event exactly once;
- an event whose transaction commits late is not skipped (PostgreSQL only: SQLite has one
  writer at a time, so a lower id can never be uncommitted while a higher one is visible);
- a worker killed mid-batch leaves rows and tracking agreeing, and the next run completes it.

They run a small test read model, `Tally`: one row per application of a ConversationStarted and
no unique key, so an event applied twice shows up as two rows instead of being absorbed by an
upsert.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from typing import Any

import msgspec
import psycopg
import pytest
import sqlalchemy as sa

from application.settings import Settings
from application.shared.store import EventStore
from domain.conversations.conversation import Conversation
from domain.conversations.events import ConversationStarted
from infrastructure.database import create_engine
from projections.engine.engine import Busy, ProjectionEngine
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows

SMALL_POOLS = {"postgres_pool_size": 1, "postgres_max_overflow": 4}
Key = tuple[str, int]  # (originator id, originator version) of an event
OnApply = Callable[[int, Any, sa.Table], None]


class Tally(Projection):
    """Appends one row per event applied, sent to the database at once (not buffered), so a
    batch that dies has really written rows that must roll back. `on_apply(n, rows, table)`
    runs after the n-th apply of this instance (counted across batches, rolled back or not)."""

    name = "engine_tally"
    version = 1
    subscriptions = {"conversations": (ConversationStarted,)}

    def __init__(self, worker: str = "main", on_apply: OnApply | None = None):
        self.worker = worker
        self.on_apply = on_apply
        self.applied = 0

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> dict[str, sa.Table]:
        table = sa.Table(
            name_for("engine_tally"),
            metadata,
            sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("originator_id", sa.String(36), nullable=False),
            sa.Column("originator_version", sa.Integer, nullable=False),
            sa.Column("worker", sa.String(20), nullable=False),
        )
        return {"engine_tally": table}

    def apply(self, rows: Rows, tables: dict[str, sa.Table], event: Any) -> None:
        table = tables["engine_tally"]
        rows.insert(
            table,
            {
                "originator_id": str(event.originator_id),
                "originator_version": event.originator_version,
                "worker": self.worker,
            },
        )
        self.applied += 1
        if self.on_apply is not None:
            self.on_apply(self.applied, rows, table)


class Crash(Exception):
    pass


# ------------------------------------------------------------------------------ helpers
@pytest.fixture(scope="module", autouse=True)
def _worker_processes() -> None:
    """Worker processes for the kill tests are fresh processes bootstrapped like real workers,
    forked from multiprocessing's single-threaded fork server (never from this threaded test
    process). Start that server now, preloading the slow imports, while other tests run."""
    multiprocessing.set_forkserver_preload(["application.bootstrap", "infrastructure.chat.catalog"])
    forkserver.ensure_running()


def _engine(container: Any, projection: Projection, batch_size: int) -> ProjectionEngine:
    engine = ProjectionEngine(container.db, container.stores, [projection], batch_size=batch_size)
    engine.prepare()
    return engine


@contextmanager
def _other_worker(
    container: Any, projection: Projection, batch_size: int
) -> Iterator[ProjectionEngine]:
    """A second catch-up worker: its own connections to the read-model database (as another
    process would have), reading the same stores."""
    db = create_engine(
        container.db.url.render_as_string(hide_password=False), pool_size=1, max_overflow=2
    )
    try:
        engine = ProjectionEngine(db, container.stores, [projection], batch_size=batch_size)
        engine.prepare()
        yield engine
    finally:
        db.dispose()


def _start_conversations(container: Any, count: int) -> None:
    """`count` ConversationStarted events, committed in one transaction."""
    user = uuid.uuid4()
    container.stores["conversations"].commit(
        *(Conversation.start(uuid.uuid4(), user, title=f"chat {i}") for i in range(count))
    )


def _logged(container: Any) -> list[tuple[int, Key]]:
    """(notification id, key) of every ConversationStarted in the log, in log order."""
    notifications = container.stores["conversations"].recorder.select_notifications(
        start=0, limit=100_000, topics=[ConversationStarted.TOPIC], inclusive_of_start=False
    )
    return [(n.id, (str(n.originator_id), n.originator_version)) for n in notifications]


def _rows(container: Any) -> list[Key]:
    """The tally as queries see it (the stable view), duplicates kept, sorted."""
    view = Tally().views()["engine_tally"]
    with container.db.connect() as conn:
        rows = conn.execute(sa.select(view.c.originator_id, view.c.originator_version)).all()
    return sorted((str(i), int(v)) for i, v in rows)


def _tracking(engine: ProjectionEngine) -> tuple[int, int]:
    """(position, events_applied) of the serving generation."""
    (lag,) = [lag for lag in engine.status() if lag.projection == Tally.name and not lag.building]
    return lag.position, lag.events_applied


def _wait_until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Liveness bound only: what the tests assert never depends on how long this took."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


@contextmanager
def _lock_waiters(url: str) -> Iterator[Callable[[], int]]:
    """How many sessions of the test database are blocked on a lock (PostgreSQL)."""
    with psycopg.connect(url, autocommit=True) as conn:

        def count() -> int:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
            return int(row[0]) if row else 0

        yield count


def _assert_exactly_once(container: Any, engine: ProjectionEngine) -> list[Key]:
    """Every logged event has exactly one row, and tracking is at the head."""
    logged = _logged(container)
    rows = _rows(container)
    duplicates = sorted({k for k in rows if rows.count(k) > 1})
    assert duplicates == [], f"applied more than once: {duplicates[:5]}"
    assert rows == sorted(k for _, k in logged)
    assert _tracking(engine) == (container.stores["conversations"].head(), len(logged))
    return rows


# ----------------------------------------------------------------- (a) racing workers
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_worker_arriving_mid_batch_waits_and_reapplies_nothing(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given two workers of one projection (own database connections each) and 30 events
    container = container_for(kind, **SMALL_POOLS)
    _start_conversations(container, 30)
    inside, release = threading.Event(), threading.Event()

    def pause_in_first_batch(applied: int, *_: Any) -> None:
        if applied == 4:
            inside.set()
            assert release.wait(30), "the test never released worker a"

    worker_a = _engine(container, Tally("a", pause_in_first_batch), batch_size=10)
    with _other_worker(container, Tally("b"), batch_size=10) as worker_b:
        locking = threading.Event()  # worker b is sending the statement that takes the lock

        def spot_locking(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if statement.startswith("BEGIN IMMEDIATE") or "FOR UPDATE" in statement:
                locking.set()

        sa.event.listen(worker_b.db, "before_cursor_execute", spot_locking)
        with ThreadPoolExecutor(2) as pool:
            try:
                # When worker a is stopped inside its first batch (4 rows written, uncommitted)
                a = pool.submit(worker_a.catch_up, Tally.name)
                assert inside.wait(30)
                if kind == "postgres":
                    # (a caller that must not wait is told the projection is taken)
                    with pytest.raises(Busy):
                        worker_b.catch_up_batch(Tally.name, wait=False)
                # ... and worker b starts a catch-up of the same projection
                locking.clear()
                b = pool.submit(worker_b.catch_up, Tally.name)
                if kind == "postgres":
                    with _lock_waiters(container.settings.database_url) as waiters:
                        _wait_until(lambda: b.done() or waiters() == 1, "worker b to queue")
                else:
                    # SQLite shows no lock queue: wait until b sends BEGIN IMMEDIATE, then give
                    # it a moment to be inside the busy handler (only makes the overlap
                    # near-certain; the assertions hold either way for a correct engine)
                    _wait_until(lambda: b.done() or locking.is_set(), "worker b to begin")
                    time.sleep(0.2)
            finally:
                release.set()
            applied = a.result(60) + b.result(60)
        # Then worker b did not re-read worker a's batch: every event was applied exactly once
        _assert_exactly_once(container, worker_b)
        assert applied == 30


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_racing_workers_apply_every_event_exactly_once(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given two workers of one projection, small batches, and a backlog
    container = container_for(kind, **SMALL_POOLS)
    _start_conversations(container, 40)
    writing = threading.Event()
    writing.set()

    def write() -> None:
        try:
            for _ in range(12):
                _start_conversations(container, 20)
        finally:
            writing.clear()

    def work(engine: ProjectionEngine) -> int:
        total = 0
        while writing.is_set():
            total += engine.catch_up(Tally.name)
            time.sleep(0.002)  # pacing, so that SQLite's busy handler gets its turn
        return total + engine.catch_up(Tally.name)

    worker_a = _engine(container, Tally("a"), batch_size=7)
    with (
        _other_worker(container, Tally("b"), batch_size=7) as worker_b,
        ThreadPoolExecutor(3) as pool,
    ):
        # When both catch up over and over while events keep being committed
        racing = [pool.submit(work, engine) for engine in (worker_a, worker_b)]
        pool.submit(write).result(60)
        totals = [future.result(60) for future in racing]
    # Then every event has exactly one row, and the workers' own counts add up to the log
    _assert_exactly_once(container, worker_a)
    assert sum(totals) == 40 + 12 * 20


# --------------------------------------------------------- (b) a late-committing event
@pytest.mark.postgres
def test_an_event_that_commits_late_is_not_skipped(container_for: Callable[..., Any]) -> None:
    """A save is held open after its event row got its notification id and before it commits,
    through the real write path: the test pre-claims that id's hash-chain row in a transaction
    of its own, so the save's chain insert waits on the unique index. Meanwhile a second
    writer (another store on the same table, as in another process) saves a later event and a
    catch-up runs. The catch-up must not move past the open id; once the slow save commits,
    the next catch-up applies it."""
    container = container_for("postgres", **SMALL_POOLS)
    engine = _engine(container, Tally(), batch_size=50)
    _start_conversations(container, 5)
    assert engine.catch_up(Tally.name) == 5
    slow_writer = container.stores["conversations"]
    fast_writer = EventStore("conversations", dict(slow_writer.env), slow_writer.mapper)
    recorder = slow_writer.recorder
    url = container.settings.database_url
    slow = Conversation.start(uuid.uuid4(), uuid.uuid4())
    fast = Conversation.start(uuid.uuid4(), uuid.uuid4())

    pool = ThreadPoolExecutor(2)
    holder = psycopg.connect(url)  # not autocommit: its transaction stays open
    try:
        sequence = holder.execute(
            "SELECT pg_get_serial_sequence(%s, 'notification_id')", (recorder.events_table_name,)
        ).fetchone()
        assert sequence is not None
        last_value, is_called = holder.execute(
            f"SELECT last_value, is_called FROM {sequence[0]}"
        ).fetchone() or (0, False)
        slow_id = last_value + 1 if is_called else last_value
        holder.execute(
            f'INSERT INTO "{recorder.chain_table_name}" (notification_id, hash) VALUES (%s, %s)',
            (slow_id, b"\0" * 32),
        )
        with _lock_waiters(url) as waiters:
            # Given a save that has taken notification id `slow_id` and not committed
            slow_save = pool.submit(slow_writer.commit, slow)
            _wait_until(lambda: waiters() == 1, "the slow save to hold its id")
            # ... and a second writer saving a later event
            fast_save = pool.submit(fast_writer.commit, fast)
            _wait_until(lambda: fast_save.done() or waiters() == 2, "the second save")
            fast_committed_first = fast_save.done()
            # When a catch-up runs while the slow save is still open
            engine.catch_up(Tally.name)
            held_position = engine.positions(Tally.name)["conversations"]
        # ... and the slow save then commits
        holder.rollback()
        slow_position, fast_position = slow_save.result(30), fast_save.result(30)
    finally:
        holder.close()  # (releases the slow save if the test failed early)
        pool.shutdown(wait=True)
        fast_writer.close()
    assert slow_position is not None and fast_position is not None
    assert slow_position.notification_id == slow_id < fast_position.notification_id
    # Then the catch-up that ran meanwhile stopped below the open id ...
    assert held_position < slow_id, (
        f"catch-up moved to {held_position}, not below the uncommitted id {slow_id} "
        f"(later event committed first: {fast_committed_first})"
    )
    # ... and the next one applies the late event (and the later one), each exactly once
    engine.catch_up(Tally.name)
    rows = _assert_exactly_once(container, engine)
    assert (str(slow.id), 1) in rows
    assert (str(fast.id), 1) in rows


# ------------------------------------------------------- (c) a worker dies mid-batch
BATCH = 10
EVENTS = 25
DIE_AT = BATCH + 3  # the 3rd event of the second batch
PAUSED = "PAUSED-MID-BATCH"


def _assert_first_batch_only(container: Any, engine: ProjectionEngine) -> None:
    """Rows and tracking agree: exactly the first batch, none of the broken one."""
    logged = _logged(container)
    assert len(logged) == EVENTS
    position, applied = _tracking(engine)
    assert (position, applied) == (logged[BATCH - 1][0], BATCH)
    assert _rows(container) == sorted(k for _, k in logged[:BATCH])


def _assert_completes_like_a_rebuild(container: Any) -> None:
    """A normal catch-up finishes the job; the result equals a build from position 0."""
    engine = _engine(container, Tally(), batch_size=BATCH)
    assert engine.catch_up(Tally.name) == EVENTS - BATCH
    incremental = _assert_exactly_once(container, engine)
    engine.start_rebuild(Tally.name)
    assert engine.catch_up(Tally.name) == EVENTS
    assert not engine.is_building(Tally.name)
    assert _assert_exactly_once(container, engine) == incremental


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_worker_killed_mid_batch_leaves_no_partial_batch(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given 25 events and a worker process catching up in batches of 10
    container = container_for(kind, **SMALL_POOLS)
    _start_conversations(container, EVENTS)
    engine = _engine(container, Tally(), batch_size=BATCH)
    processes = multiprocessing.get_context("forkserver")  # see _worker_processes
    status, status_to_parent = processes.Pipe(duplex=False)
    hold, hold_to_child = processes.Pipe(duplex=False)
    settings = msgspec.json.encode(container.settings).decode()
    worker = processes.Process(
        target=_doomed_worker, args=(settings, status_to_parent, hold), daemon=True
    )
    worker.start()
    status_to_parent.close()
    hold.close()
    try:
        # When it is SIGKILLed in the middle of its second batch
        said = status.recv() if status.poll(60) else "(nothing within 60 s)"
        # (10 committed + 3 of the second batch written, uncommitted)
        assert said == f"{PAUSED} with {DIE_AT} rows", f"the worker said: {said}"
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGKILL)
        worker.join(30)
        assert worker.exitcode == -signal.SIGKILL
    finally:
        hold_to_child.close()  # a worker still waiting exits
        worker.join(30)
        if worker.is_alive():
            worker.kill()
        status.close()
    # Then the read model holds its first batch only, with tracking saying so
    _assert_first_batch_only(container, engine)
    # ... and the next run completes it, equal to a rebuild from scratch
    _assert_completes_like_a_rebuild(container)


def _doomed_worker(settings_json: str, status: Connection, hold: Connection) -> None:
    """Runs in the worker process: catch up, and stop forever inside the second batch."""
    try:
        from application.bootstrap import bootstrap

        container = bootstrap(msgspec.json.decode(settings_json, type=Settings))

        def stop_in_second_batch(applied: int, written: Rows, table: sa.Table) -> None:
            if applied == DIE_AT:  # say how many rows this transaction has written by now
                rows = written.read(sa.select(sa.func.count()).select_from(table)).scalar()
                status.send(f"{PAUSED} with {rows} rows")
                with contextlib.suppress(EOFError):
                    hold.recv()  # until killed (or the test gives up)
                os._exit(1)

        engine = _engine(container, Tally("doomed", stop_in_second_batch), batch_size=BATCH)
        engine.catch_up(Tally.name)
        status.send("finished without stopping")
    except BaseException:
        status.send(traceback.format_exc())


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_batch_that_fails_mid_way_is_rolled_back_whole(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given 25 events and a projection whose apply fails on the 3rd event of the second batch
    container = container_for(kind, **SMALL_POOLS)
    _start_conversations(container, EVENTS)

    def crash(applied: int, *_: Any) -> None:
        if applied == DIE_AT:
            raise Crash("apply failed")

    failing = _engine(container, Tally("failing", crash), batch_size=BATCH)
    # When it catches up, the error surfaces
    with pytest.raises(Crash):
        failing.catch_up(Tally.name)
    # Then the first batch stands, nothing of the second; the next run completes it
    _assert_first_batch_only(container, failing)
    _assert_completes_like_a_rebuild(container)
