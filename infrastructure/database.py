"""SQLAlchemy engines for the read models (and the key store) on SQLite or PostgreSQL."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import psycopg
import psycopg.types.json
import sqlalchemy as sa


def create_engine(url: str, pool_size: int = 5, max_overflow: int = 10) -> sa.Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    url = url.replace("postgresql://", "postgresql+psycopg://", 1).replace(
        "postgres://", "postgresql+psycopg://", 1
    )
    engine = sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        json_serializer=_json_text,
        future=True,
    )
    _ping_when_idle(engine)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # JSON columns decoded by msgspec rather than the json module
        psycopg.types.json.set_json_loads(msgspec.json.decode, dbapi_connection)

    return engine


def _json_text(value: Any) -> str:
    """JSON columns are written by msgspec (several times faster than the json module)."""
    return msgspec.json.encode(value).decode()


def _ping_when_idle(engine: sa.Engine, idle_seconds: float = 1.0) -> None:
    """Check a pooled connection before use when it sat idle longer than `idle_seconds`
    (the server may have restarted or dropped it meanwhile); a busy pool skips the round
    trip that `pool_pre_ping` would spend on every checkout. A dead connection is replaced
    by the pool, so the request does not see it."""

    @sa.event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since <= idle_seconds:
            return
        try:
            dbapi_connection.execute("SELECT 1")
            dbapi_connection.rollback()
        except psycopg.Error as error:
            raise sa.exc.DisconnectionError(str(error)) from error


@contextlib.contextmanager
def schema_lock(engine: sa.Engine) -> Iterator[None]:
    """A session advisory lock on PostgreSQL while schema objects are created (the event
    store creates types and tables in several transactions of its own); SQLite: nothing."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(hashtext('chronicle:schema'))"))
        conn.commit()
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(hashtext('chronicle:schema'))"))
            conn.commit()


def sqlite_url(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _sqlite_engine(url: str) -> sa.Engine:
    """SQLite with WAL, a busy timeout, and `BEGIN IMMEDIATE` so that a transaction that
    will write takes the write lock up front (no deadlocking upgrade from a read lock)."""
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        json_serializer=_json_text,
        json_deserializer=msgspec.json.decode,
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # queries (the autocommit `reads` engine) run without a transaction, beside writers
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


Combine = Callable[[dict[str, Any], dict[str, Any]], "dict[str, Any] | None"]


class BufferedConnection:
    """A connection that sends runs of the same write as one `executemany`.

    Projections write row by row; applying a batch of events that way costs a round trip
    per row. Here `add(statement, row)` queues the row while the statement stays the same,
    and anything else (another statement, a read, the end of the batch) sends the queued run
    first, so statements still take effect in exactly the order they were issued.

    - `key`: the row a write touches. A key already queued in the run either folds (below)
      or starts a new run (an INSERT … ON CONFLICT sent as one multi-row statement may not
      touch the same row twice);
    - `combine(queued, row)`: may fold the row into the one queued under the same key (or,
      without a key, into the last one queued), e.g. two increments of one counter become
      one, returning the merged row, or None to queue it apart. Writes to different rows
      commute, so folding into an earlier row of the run keeps the outcome;
    - `queued_insert(table, key)`: the row an INSERT run queued for `key`, which a later
      change of that row may amend in place rather than sending its own statement."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect
        self._statement: Any = None
        self._rows: list[dict[str, Any]] = []
        self._keys: dict[Any, int] = {}

    def add(
        self,
        statement: Any,
        row: dict[str, Any],
        key: Any = None,
        combine: Combine | None = None,
    ) -> None:
        if statement is not self._statement:
            self.flush()
            self._statement = statement
        elif key is not None and key in self._keys:
            index = self._keys[key]
            merged = combine(self._rows[index], row) if combine is not None else None
            if merged is not None:
                self._rows[index] = merged
                return
            self.flush()
            self._statement = statement
        elif key is None and combine is not None and self._rows:
            merged = combine(self._rows[-1], row)
            if merged is not None:
                self._rows[-1] = merged
                return
        self._rows.append(row)
        if key is not None:
            self._keys[key] = len(self._rows) - 1

    def queued_insert(self, table: sa.Table, key: Any) -> dict[str, Any] | None:
        statement = self._statement
        if not isinstance(statement, sa.Insert) or statement.table is not table:
            return None
        index = self._keys.get(key)
        return None if index is None else self._rows[index]

    def flush(self) -> None:
        if self._rows:
            self.conn.execute(self._statement, self._rows)
        self._statement, self._rows = None, []
        self._keys.clear()

    def execute(self, statement: Any, parameters: Any = None) -> Any:
        self.flush()
        if parameters is None:
            return self.conn.execute(statement)
        return self.conn.execute(statement, parameters)


def write(
    conn: sa.Connection | BufferedConnection,
    statement: Any,
    row: dict[str, Any],
    key: Any = None,
    combine: Combine | None = None,
) -> None:
    """Execute `statement` with `row`, queued when the connection buffers."""
    if isinstance(conn, BufferedConnection):
        conn.add(statement, row, key, combine)
    else:
        conn.execute(statement, row)


def upsert(
    conn: sa.Connection | BufferedConnection,
    table: sa.Table,
    values: dict[str, Any],
    key: list[str],
    update: list[str] | None = None,
) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE, on either dialect."""
    columns = tuple(update) if update is not None else tuple(c for c in values if c not in key)
    statement = _upsert_statement(conn.dialect.name, table, tuple(key), tuple(values), columns)
    write(conn, statement, values, key=tuple(values[k] for k in key))


@functools.lru_cache(maxsize=1024)
def _upsert_statement(
    dialect_name: str,
    table: sa.Table,
    key: tuple[str, ...],
    values: tuple[str, ...],
    update: tuple[str, ...],
) -> Any:
    """Built once per shape, so SQLAlchemy's compiled cache is hit on every later call."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(table)
    if update:
        return statement.on_conflict_do_update(
            index_elements=list(key), set_={c: statement.excluded[c] for c in update}
        )
    return statement.on_conflict_do_nothing(index_elements=list(key))
