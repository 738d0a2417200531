"""Scenarios 4 and 5: projections.

4. apply: events/s the conversation read models (list + transcript) apply when catching up,
   against the append rate of the same events through the command path; and the lag from
   commit to visible in the conversation list under a steady load at half that append rate.
5. rebuild: events/s rebuilding every read model from all events, against a bare `SELECT`
   scan of the same events tables."""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from typing import Any

import psycopg

from application.bootstrap import bootstrap
from bench.append import bench_settings
from bench.common import Row, run_threads
from domain.conversations.conversation import Conversation
from domain.conversations.rules import NO_PARENT

MESSAGES_PER_CONVERSATION = 9
CONVERSATION_PROJECTIONS = ["conversation_list", "transcript"]


def _conversation(user: uuid.UUID) -> Conversation:
    convo = Conversation.start(uuid.uuid4(), user)
    parent = NO_PARENT
    for n in range(MESSAGES_PER_CONVERSATION):
        message = uuid.uuid4()
        convo.post(message, parent, sender="User", is_created_by_user=n % 2 == 0, text=f"m {n}")
        parent = message
    return convo


def seed(container: Any, events: int, users: int = 50) -> int:
    """Commit whole conversations, several per save, until `events` events exist."""
    store = container.stores["conversations"]
    people = [uuid.uuid4() for _ in range(users)]
    per = MESSAGES_PER_CONVERSATION + 1
    written = 0
    while written < events:
        convos = [_conversation(people[i % users]) for i in range(20)]
        store.commit(*convos)
        written += per * len(convos)
    return written


def append_rate(container: Any, seconds: float) -> float:
    """Events/s of the command path (16 writers, one conversation of 10 events per command)."""
    store = container.stores["conversations"]
    user = uuid.uuid4()

    def command(_index: int) -> int:
        store.commit(_conversation(user))
        return MESSAGES_PER_CONVERSATION + 1

    return run_threads(16, seconds, command)


def apply_rate(container: Any) -> float:
    engine = container.projections
    started = time.perf_counter()
    applied = sum(engine.catch_up(name) for name in CONVERSATION_PROJECTIONS)
    return applied / (time.perf_counter() - started)


def lag(container: Any, rate: float, seconds: float) -> tuple[float, float]:
    """Commit at `rate` events/s while the in-process workers project; for each commit, the
    time until the conversation list's position has passed it (ms): p50, p99."""
    store, engine = container.stores["conversations"], container.projections
    user = uuid.uuid4()
    commits: list[tuple[int, float]] = []
    seen: list[float] = []
    stop = threading.Event()

    def watch() -> None:
        pending = 0
        while not stop.is_set() or pending < len(commits):
            position = engine.positions("conversation_list").get("conversations", 0)
            now = time.perf_counter()
            while pending < len(commits) and commits[pending][0] <= position:
                seen.append((now - commits[pending][1]) * 1000)
                pending += 1
            time.sleep(0.001)

    watcher = threading.Thread(target=watch)
    watcher.start()
    interval = (MESSAGES_PER_CONVERSATION + 1) / rate
    deadline = time.perf_counter() + seconds
    next_at = time.perf_counter()
    while time.perf_counter() < deadline:
        position = store.commit(_conversation(user))
        commits.append((position.notification_id, time.perf_counter()))
        next_at += interval
        time.sleep(max(0.0, next_at - time.perf_counter()))
    stop.set()
    watcher.join(timeout=60)
    ordered = sorted(seen)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


def scan_rate(url: str) -> float:
    with psycopg.connect(url) as conn, conn.cursor(name="scan") as curs:
        started = time.perf_counter()
        rows = 0
        curs.itersize = 5000
        curs.execute("SELECT * FROM conversations_events ORDER BY notification_id")
        for _row in curs:
            rows += 1
        return rows / (time.perf_counter() - started)


def rebuild_rate(container: Any) -> float:
    engine = container.projections
    started = time.perf_counter()
    applied = 0
    for name in engine.projections:
        engine.start_rebuild(name)
        applied += engine.catch_up(name)
    return applied / (time.perf_counter() - started)


def run(url: str, events: int, seconds: float) -> list[Row]:
    rows: list[Row] = []
    container = bootstrap(bench_settings(url))
    try:
        seeded = seed(container, events)
        applied = apply_rate(container)
        appended = append_rate(container, seconds)
        container.projections.catch_up("conversation_list")
        container.projections.catch_up("transcript")
        rows.append(
            Row(
                "projection apply",
                f"{seeded} events",
                applied,
                appended,
                "events/s",
                target=">= 5x append",
            )
        )
        scanned = scan_rate(url)
        rebuilt = rebuild_rate(container)
        rows.append(
            Row("rebuild", f"{seeded} events", rebuilt, scanned, "events/s", target=">= 0.3x scan")
        )
    finally:
        container.close()
    container = bootstrap(bench_settings(url), workers=True)
    try:
        p50, p99 = lag(container, appended / 2, seconds * 2)
        rows.append(Row("projection lag p50", "half append rate", p50, 1.0, "ms", False))
        rows.append(
            Row(
                "projection lag p99",
                "half append rate",
                p99,
                100.0,
                "ms",
                False,
                target="<= 100 ms",
            )
        )
    finally:
        container.close()
    return rows


if __name__ == "__main__":
    import sys

    from bench.common import scratch_database

    with scratch_database() as database:
        for row in run(database, int(sys.argv[1]) if len(sys.argv) > 1 else 20_000, 3.0):
            print(row)
