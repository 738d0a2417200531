"""SQLAlchemy engines for the read models (and the key store) on SQLite or PostgreSQL."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
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
