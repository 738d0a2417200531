"""Search latency: p50 and p95 of a search over `messages` indexed messages across `users`
users, for each reachable backend (SQLite FTS5, PostgreSQL full-text, and Meilisearch when
MEILI_URL is set), against a naive `ILIKE '%term%'` scan of the same documents (the caller's
own, newest first: what `GET /api/messages?search=` did before the search projection).

The documents are written straight into the search projection's tables (their triggers and
generated columns index them as the projection's writes would): seeding a million messages
through commands would measure the write path, which other scenarios do."""

from __future__ import annotations

import itertools
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from application.search.ports import Query, Readable, SearchIndex
from bench.common import Row, scratch_database
from infrastructure.database import create_engine, sqlite_url
from infrastructure.search.postgres import PostgresIndex
from infrastructure.search.sqlite import Fts5Index
from projections.engine.engine import ProjectionEngine
from projections.search.documents import SearchProjection

WORDS_PER_MESSAGE = 12
VOCABULARY = 20_000
PAGE = 25
BATCH = 5000


def run(messages: int, users: int, queries: int) -> list[Row]:
    rows: list[Row] = []
    corpus = Corpus(users)
    with sqlite_documents(corpus, messages) as (db, projection):
        rows += _measure("sqlite", Fts5Index(db, projection), db, corpus, messages, queries)
    with postgres_documents(corpus, messages) as (db, projection):
        rows += _measure("postgres", PostgresIndex(db, projection), db, corpus, messages, queries)
        if os.environ.get("MEILI_URL"):
            rows += _meili(db, projection, corpus, messages, queries)
    return rows


class Corpus:
    """Deterministic messages: Zipf-like words, so some terms are common and most are rare."""

    def __init__(self, users: int) -> None:
        self.random = random.Random(14)
        self.users = [str(uuid.UUID(int=self.random.getrandbits(128))) for _ in range(users)]
        self.words = [_word(self.random, i) for i in range(VOCABULARY)]
        weights = [1 / (rank + 1) for rank in range(VOCABULARY)]
        self.cumulative = list(itertools.accumulate(weights))

    def batches(self, total: int) -> Iterator[list[dict[str, Any]]]:
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for offset in range(0, total, BATCH):
            yield [self._message(start, n) for n in range(offset, min(offset + BATCH, total))]

    def _message(self, start: datetime, n: int) -> dict[str, Any]:
        words = self.random.choices(self.words, cum_weights=self.cumulative, k=WORDS_PER_MESSAGE)
        user = self.users[n % len(self.users)]
        return {
            "conversation_id": str(uuid.UUID(int=(n // 20) + 1)),
            "message_id": str(uuid.UUID(int=n + 1)),
            "user_id": user,
            "owner": uuid.UUID(user).hex,
            "sender": "User",
            "text": " ".join(words),
            "created_at": start + timedelta(seconds=n),
        }

    def terms(self, count: int) -> list[tuple[str, str]]:
        """(user, term): a third common words, a third rarer ones, a third prefixes."""
        picks = []
        for i in range(count):
            rank = self.random.randrange(20) if i % 3 == 0 else self.random.randrange(200, 5000)
            word = self.words[rank]
            term = word[:4] if i % 3 == 2 else word
            picks.append((self.random.choice(self.users), term))
        return picks


def _word(rng: random.Random, i: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyzéè"
    return "".join(rng.choice(letters) for _ in range(4 + i % 6))


@contextmanager
def sqlite_documents(corpus: Corpus, total: int) -> Iterator[tuple[sa.Engine, SearchProjection]]:
    with tempfile.TemporaryDirectory() as folder:
        db = create_engine(sqlite_url(Path(folder) / "readmodels.db"), 2, 2)
        try:
            yield _filled(db, corpus, total), SearchProjection()
        finally:
            db.dispose()


@contextmanager
def postgres_documents(corpus: Corpus, total: int) -> Iterator[tuple[sa.Engine, SearchProjection]]:
    with scratch_database() as url:
        db = create_engine(url, 2, 2)
        try:
            yield _filled(db, corpus, total), SearchProjection()
        finally:
            db.dispose()


def _filled(db: sa.Engine, corpus: Corpus, total: int) -> sa.Engine:
    engine = ProjectionEngine(db, {}, [SearchProjection()])
    engine.prepare()
    table = engine.tables("search", 1)["search_messages"]
    started = time.monotonic()
    for batch in corpus.batches(total):
        with db.begin() as conn:
            conn.execute(table.insert(), batch)
    if db.dialect.name == "postgresql":
        # the steady state autovacuum keeps: visibility map set, statistics current
        with db.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            conn.exec_driver_sql(f'VACUUM ANALYZE "{table.name}"')
    print(
        f"search: {total} documents indexed in {db.dialect.name} in "
        f"{time.monotonic() - started:.0f} s"
    )
    return db


def _measure(
    name: str, index: SearchIndex, db: sa.Engine, corpus: Corpus, total: int, count: int
) -> list[Row]:
    picks = corpus.terms(count)
    ours = _latencies(picks, lambda user, term: index.messages(_query(user, term)))
    theirs = _latencies(picks, lambda user, term: _ilike(db, user, term))
    setting = f"{name} {total // 1000}k/{len(corpus.users)}u"
    return [
        Row("search p50", setting, _p(ours, 50), _p(theirs, 50), "ms", False, "≤ 1 vs ILIKE"),
        Row("search p95", setting, _p(ours, 95), _p(theirs, 95), "ms", False, "≤ 1 vs ILIKE"),
    ]


def _meili(
    db: sa.Engine, projection: SearchProjection, corpus: Corpus, total: int, count: int
) -> list[Row]:
    from infrastructure.search import meili

    client = meili.client(os.environ["MEILI_URL"], os.environ.get("MEILI_MASTER_KEY", ""), 60)
    prefix = f"bench{uuid.uuid4().hex[:8]}_"
    feeder = meili.MeiliFeeder(db, client, projection, prefix)
    feeder.prepare()
    feeder.reindex()
    try:
        return _measure("meilisearch", meili.MeiliIndex(client, prefix), db, corpus, total, count)
    finally:
        for index in ("messages", "convos"):
            client.delete_index(prefix + index)


def _query(user: str, term: str) -> Query:
    return Query(term, (term.casefold(),), Readable((user,)), PAGE)


_MESSAGES = SearchProjection().views()["search_messages"]


def _ilike(db: sa.Engine, user: str, term: str) -> list[Any]:
    m = _MESSAGES
    with db.connect() as conn:
        return list(
            conn.execute(
                sa.select(m.c.conversation_id, m.c.message_id)
                .where(m.c.user_id == user, m.c.text.ilike(f"%{term}%"))
                .order_by(m.c.created_at.desc())
                .limit(PAGE)
            )
        )


def _latencies(picks: list[tuple[str, str]], search: Callable[[str, str], Any]) -> list[float]:
    for user, term in picks[:10]:  # warm the caches and the pool
        search(user, term)
    times = []
    for user, term in picks:
        started = time.perf_counter()
        search(user, term)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p(values: list[float], percentile: int) -> float:
    return statistics.quantiles(values, n=100)[percentile - 1]
