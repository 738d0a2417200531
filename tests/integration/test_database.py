"""The read-model database: queries run beside writers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_embedded_queries_do_not_wait_for_a_writer(container_for: Callable[..., Any]) -> None:
    """SQLite writers take the write lock up front (BEGIN IMMEDIATE); queries read the WAL
    snapshot beside them instead of queueing behind the lock."""
    import threading
    import time

    import sqlalchemy as sa

    container = container_for("sqlite")
    took: list[float] = []
    with container.db.begin() as writer:
        writer.execute(sa.text("CREATE TABLE IF NOT EXISTS held (n INTEGER)"))

        def query() -> None:
            started = time.monotonic()
            with container.reads.connect() as conn:
                conn.execute(sa.text("SELECT count(*) FROM sqlite_master")).scalar()
            took.append(time.monotonic() - started)

        reader = threading.Thread(target=query)
        reader.start()
        reader.join(timeout=5)
        assert took and took[0] < 1.0, took
