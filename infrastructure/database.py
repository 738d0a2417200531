"""SQLAlchemy engines for the read models (and the key store) on SQLite or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa


def create_engine(url: str, pool_size: int = 5, max_overflow: int = 10) -> sa.Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    url = url.replace("postgresql://", "postgresql+psycopg://", 1).replace(
        "postgres://", "postgresql+psycopg://", 1
    )
    return sa.create_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True, future=True
    )


def sqlite_url(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _sqlite_engine(url: str) -> sa.Engine:
    """SQLite with WAL, a busy timeout, and `BEGIN IMMEDIATE` so that a transaction that
    will write takes the write lock up front (no deadlocking upgrade from a read lock)."""
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

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
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def upsert(
    conn: sa.Connection,
    table: sa.Table,
    values: dict[str, Any],
    key: list[str],
    update: list[str] | None = None,
) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE, on either dialect."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values)
    columns = update if update is not None else [c for c in values if c not in key]
    if columns:
        statement = statement.on_conflict_do_update(
            index_elements=key, set_={c: statement.excluded[c] for c in columns}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=key)
    conn.execute(statement)
