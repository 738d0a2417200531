"""An event store's table reached with plain SQL, as a tamperer or an auditor would (tests
that check the hash chain catches what they do)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg


class RawEvents:
    """One context's events table reached with plain SQL, as a tamperer or an auditor would:
    SQLite `stored_events` (position = rowid) or PostgreSQL `<context>_events`."""

    def __init__(self, container: Any, context: str) -> None:
        self.pg_url: str = container.settings.database_url
        self.path = Path(container.settings.data_dir) / "events" / f"{context}.db"
        self.table = f"{context}_events" if self.pg_url else "stored_events"
        self.position = "notification_id" if self.pg_url else "rowid"

    @contextlib.contextmanager
    def _cursor(self) -> Iterator[Any]:
        if self.pg_url:
            with psycopg.connect(self.pg_url) as conn, conn.cursor() as cur:
                yield _PgCursor(cur)
        else:
            conn = sqlite3.connect(self.path)
            try:
                with conn:
                    yield conn.cursor()
            finally:
                conn.close()

    def rows(self) -> list[tuple[int, str, bytes]]:
        """(position, topic, stored state) of every record, in log order."""
        with self._cursor() as cur:
            cur.execute(
                f"SELECT {self.position}, topic, state FROM {self.table} ORDER BY {self.position}"
            )
            return [(int(p), str(t), bytes(s)) for p, t, s in cur.fetchall()]

    def state(self, position: int) -> bytes:
        return next(s for p, _, s in self.rows() if p == position)

    def set_state(self, position: int, state: bytes) -> None:
        with self._cursor() as cur:
            cur.execute(
                f"UPDATE {self.table} SET state = ? WHERE {self.position} = ?", (state, position)
            )
            assert cur.rowcount == 1

    def delete(self, position: int) -> None:
        with self._cursor() as cur:
            cur.execute(f"DELETE FROM {self.table} WHERE {self.position} = ?", (position,))
            assert cur.rowcount == 1

    def swap_positions(self, a: int, b: int) -> None:
        """Reorder two records (one transaction; a free position in between)."""
        with self._cursor() as cur:
            for old, new in ((a, -1), (b, a), (-1, b)):
                cur.execute(
                    f"UPDATE {self.table} SET {self.position} = ? WHERE {self.position} = ?",
                    (new, old),
                )
                assert cur.rowcount == 1


class _PgCursor:
    """psycopg cursor taking the same `?` placeholders as sqlite3."""

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        self._cursor.execute(sql.replace("?", "%s"), params)  # type: ignore[call-overload]

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount
