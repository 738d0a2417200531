"""Scenario 1, append: events/s through the event store vs raw single-row autocommit inserts
of the same bytes, at the same number of concurrent writers.

Two Chronicle rows per setting:
- `append` is the event store's write path: stored events (already mapped) through the
  recorder, with group commit and the hash chain, against raw inserts of the same bytes;
- `append+command` adds what a command does before it: build the aggregate, map and encrypt
  its event, run eventsourcing's `save()` and the commit hooks (informational, no target)."""

from __future__ import annotations

import uuid
from tempfile import mkdtemp
from typing import Any

import msgspec
import psycopg
from eventsourcing.persistence import StoredEvent

from application.bootstrap import bootstrap
from application.settings import Settings
from bench.common import Row, alternate, run_threads
from domain.conversations.conversation import Conversation

RAW_TABLE = """CREATE TABLE IF NOT EXISTS raw_events (
  originator_id uuid NOT NULL, originator_version bigint NOT NULL, topic text, state bytea,
  notification_id bigserial UNIQUE, PRIMARY KEY (originator_id, originator_version))"""
RAW_INSERT = (
    "INSERT INTO raw_events (originator_id, originator_version, topic, state) "
    "VALUES (%s, 1, %s, %s)"
)


def bench_settings(url: str) -> Settings:
    return msgspec.convert(
        {
            "database_url": url,
            "jwt_secret": "b" * 32,
            "jwt_refresh_secret": "c" * 32,
            "master_key": "bench-master-key-" + "b" * 32,
            "data_dir": mkdtemp(),
            "log_json": False,
        },
        Settings,
    )


def run(url: str, writers: list[int], seconds: float, rounds: int) -> list[Row]:
    container = bootstrap(bench_settings(url))
    store = container.stores["conversations"]
    sample = store.mapper.to_stored_event(
        Conversation.start(uuid.uuid4(), uuid.uuid4()).collect_events()[0]
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(RAW_TABLE)
    try:
        return [row for n in writers for row in _compare(url, store, sample, n, seconds, rounds)]
    finally:
        container.close()


USERS = [uuid.uuid4() for _ in range(200)]


def _compare(
    url: str, store: Any, sample: Any, writers: int, seconds: float, rounds: int
) -> list[Row]:
    """Conversations of 200 users, whose keys are cached as in a running server."""

    def command(index: int) -> int:
        store.commit(Conversation.start(uuid.uuid4(), USERS[index % len(USERS)]))
        return 1

    def write_path(index: int) -> int:
        event = StoredEvent(uuid.uuid4(), 1, sample.topic, sample.state)
        store.recorder.insert_events([event])
        return 1

    def baseline() -> float:
        connections = [psycopg.connect(url, autocommit=True) for _ in range(writers)]

        def raw(index: int) -> int:
            connections[index].execute(RAW_INSERT, (uuid.uuid4(), sample.topic, sample.state))
            return 1

        try:
            return run_threads(writers, seconds, raw)
        finally:
            for conn in connections:
                conn.close()

    path_rate, raw_rate = alternate(
        rounds, lambda: run_threads(writers, seconds, write_path), baseline
    )
    command_rate, raw_rate_2 = alternate(
        rounds, lambda: run_threads(writers, seconds, command), baseline
    )
    setting = f"{writers} writers"
    return [
        Row(
            "append",
            setting,
            path_rate,
            raw_rate,
            "events/s",
            target=">= 1.0x" if writers > 1 else "",
        ),
        Row("append+command", setting, command_rate, raw_rate_2, "events/s"),
    ]
