"""Application recorders that hash-chain every record in the same transaction as the insert."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from infrastructure.eventstore.chain import GENESIS, extend

ChainRow = tuple[int, UUID | str, int, str, bytes, bytes | None]


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    """Postgres recorder whose events table has a sibling `<table>_chain(notification_id, hash)`.

    The library's `LOCK TABLE … EXCLUSIVE` is held while the links are computed, so the
    previous link read here is always the last committed one and ids commit in order.
    """

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self.chain_table_name = f"{events_table_name}_chain"
        schema, chain = Identifier(datastore.schema), Identifier(self.chain_table_name)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {}.{} ("
                "notification_id bigint PRIMARY KEY, hash bytea NOT NULL)"
            ).format(schema, chain)
        )
        self._last_link = SQL(
            "SELECT hash FROM {}.{} ORDER BY notification_id DESC LIMIT 1"
        ).format(schema, chain)
        self._insert_links = SQL(
            "INSERT INTO {}.{} (notification_id, hash) VALUES (%s, %s)"
        ).format(schema, chain)
        self._select_links = SQL(
            "SELECT notification_id, hash FROM {}.{} WHERE notification_id <= %s "
            "ORDER BY notification_id DESC LIMIT 2"
        ).format(schema, chain)
        self._select_chained = SQL(
            "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, e.state, "
            "c.hash FROM {}.{} e LEFT JOIN {}.{} c USING (notification_id) "
            "WHERE e.notification_id > %s ORDER BY e.notification_id LIMIT %s"
        ).format(schema, Identifier(events_table_name), schema, chain)

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        assert ids is not None and len(ids) == len(stored_events)
        curs.execute(self._last_link)
        row = curs.fetchone()
        previous = bytes(row["hash"]) if row else GENESIS
        links = extend(previous, _records(ids, stored_events))
        curs.executemany(self._insert_links, links)
        return ids

    def select_links(self, upto: int) -> list[tuple[int, bytes]]:
        """The chain links at and before `upto` (the newest two), newest first: a record's
        hash and its predecessor's, wherever the ids have gaps."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_links, (upto,))
            return [(r["notification_id"], bytes(r["hash"])) for r in curs.fetchall()]

    def select_chained(self, after: int, limit: int) -> Sequence[ChainRow]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_chained, (after, limit))
            return [
                (
                    r["notification_id"],
                    r["originator_id"],
                    r["originator_version"],
                    r["topic"],
                    bytes(r["state"]),
                    bytes(r["hash"]) if r["hash"] is not None else None,
                )
                for r in curs.fetchall()
            ]


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite twin: one writer at a time, so the last link is read inside the write."""

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        self.chain_table_name = f"{events_table_name}_chain"
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {self.chain_table_name} ("
            "notification_id INTEGER PRIMARY KEY, hash BLOB NOT NULL)",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        assert ids is not None
        c.execute(f"SELECT hash FROM {self.chain_table_name} ORDER BY notification_id DESC LIMIT 1")
        row = c.fetchone()
        previous = bytes(row["hash"]) if row else GENESIS
        c.executemany(
            f"INSERT INTO {self.chain_table_name} (notification_id, hash) VALUES (?, ?)",
            extend(previous, _records(ids, stored_events)),
        )
        return ids

    def select_links(self, upto: int) -> list[tuple[int, bytes]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT notification_id, hash FROM {self.chain_table_name} "
                "WHERE notification_id <= ? ORDER BY notification_id DESC LIMIT 2",
                (upto,),
            )
            return [(r["notification_id"], bytes(r["hash"])) for r in c.fetchall()]

    def select_chained(self, after: int, limit: int) -> Sequence[ChainRow]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT e.rowid AS nid, e.originator_id, e.originator_version, e.topic, "
                f"e.state, c.hash FROM {self.events_table_name} e "
                f"LEFT JOIN {self.chain_table_name} c ON c.notification_id = e.rowid "
                "WHERE e.rowid > ? ORDER BY e.rowid LIMIT ?",
                (after, limit),
            )
            return [
                (
                    r["nid"],
                    UUID(r["originator_id"]),
                    r["originator_version"],
                    r["topic"],
                    bytes(r["state"]),
                    bytes(r["hash"]) if r["hash"] is not None else None,
                )
                for r in c.fetchall()
            ]


def _records(
    ids: Sequence[int], events: Sequence[StoredEvent]
) -> list[tuple[int, UUID | str, int, str, bytes]]:
    return [
        (nid, e.originator_id, e.originator_version, e.topic, e.state)
        for nid, e in zip(ids, events, strict=True)
    ]
