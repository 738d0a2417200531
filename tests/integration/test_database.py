"""The read-model database: queries run beside writers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_embedded_queries_do_not_wait_for_a_writer(container_for: Callable[..., Any]) -> None:
    """SQLite writers take the write lock up front (BEGIN IMMEDIATE); queries read the WAL
    snapshot beside them instead of queueing behind the lock."""
    import threading

    import sqlalchemy as sa

    container = container_for("sqlite")
    answered: list[int] = []
    with container.db.begin() as writer:
        writer.execute(sa.text("CREATE TABLE IF NOT EXISTS held (n INTEGER)"))

        def query() -> None:
            with container.reads.connect() as conn:
                row = conn.execute(sa.text("SELECT count(*) FROM sqlite_master")).one()
                answered.append(row[0])

        reader = threading.Thread(target=query)
        reader.start()
        # the condition, not a clock: the query finishes while the writer still holds its
        # lock (a query queued behind it would wait for the lock's 30 s busy timeout)
        reader.join(timeout=10)
        assert answered, "the query waited for the writer"
