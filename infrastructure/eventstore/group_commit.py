"""Group commit: concurrent saves to one events table share a single transaction.

Every writer of a context's events table queues behind the table lock anyway, so instead of
taking turns, whoever finds no flush in progress becomes the leader and writes everything
queued so far in one transaction; the others wait for its result. Guarantees stay per save:
- each save gets its own notification ids, or its own `IntegrityError` when it lost a race;
- a save is atomic: rows of a save that conflicted are deleted before the commit, so no
  partial save is ever visible;
- order within an aggregate is its version order (the primary key), and notification ids
  still commit in order under the exclusive table lock.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Identifier

from infrastructure.eventstore.chain import GENESIS, extend
from infrastructure.eventstore.recorders import ChainedPostgresRecorder


@dataclass
class _Save:
    events: Sequence[StoredEvent]
    finished: bool = False
    ids: list[int] | None = None
    error: Exception | None = None


class GroupCommitPostgresRecorder(ChainedPostgresRecorder):
    max_batch_events = 2000

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self._queue: list[_Save] = []
        self._turn = threading.Condition()
        self._flushing = False
        schema, table = Identifier(datastore.schema), Identifier(events_table_name)
        self._insert_returning = SQL(
            "INSERT INTO {}.{} (originator_id, originator_version, topic, state) "
            "SELECT e.originator_id, e.originator_version, e.topic, e.state "
            "FROM unnest(%s::{}.{}[]) WITH ORDINALITY AS e ORDER BY e.ordinality "
            "ON CONFLICT DO NOTHING RETURNING originator_id, originator_version, notification_id"
        ).format(schema, table, schema, Identifier(self.stored_event_type_name))
        self._insert_link_arrays = SQL(
            "INSERT INTO {}.{} (notification_id, hash) "
            "SELECT * FROM unnest(%s::bigint[], %s::bytea[])"
        ).format(schema, Identifier(self.chain_table_name))
        self._delete_ids = SQL("DELETE FROM {}.{} WHERE notification_id = ANY(%s)").format(
            schema, table
        )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if not stored_events:
            return []
        save = _Save(stored_events)
        with self._turn:
            self._queue.append(save)
            while not save.finished and self._flushing:
                self._turn.wait()
            lead = not save.finished
            self._flushing = self._flushing or lead
        if lead:
            self._lead_until(save)
        if save.error is not None:
            raise save.error
        return save.ids

    def _lead_until(self, own: _Save) -> None:
        """Flush batches (FIFO) until our own save is written, then pass the lead on."""
        try:
            while not own.finished:
                batch = self._take_batch()
                try:
                    self._flush(batch)
                except Exception as error:  # the transaction failed: each save in it fails
                    for save in batch:
                        save.error = error
                with self._turn:
                    for save in batch:
                        save.finished = True
                    self._turn.notify_all()
        finally:
            with self._turn:
                self._flushing = False
                self._turn.notify_all()

    def _take_batch(self) -> list[_Save]:
        with self._turn:
            batch: list[_Save] = []
            size = 0
            while self._queue and (
                not batch or size + len(self._queue[0].events) <= self.max_batch_events
            ):
                batch.append(self._queue.pop(0))
                size += len(batch[-1].events)
            return batch

    def _flush(self, batch: list[_Save]) -> None:
        events = [e for save in batch for e in save.events]
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._lock_table(curs)
            self._notify_channel(curs)
            curs.execute(self._last_link)
            row = curs.fetchone()
            curs.execute(self._insert_returning, (self._composites(events),))
            inserted = {
                (str(r["originator_id"]), r["originator_version"]): r["notification_id"]
                for r in curs.fetchall()
            }
            winners = _winners(batch, inserted)
            doomed = [nid for key, nid in inserted.items() if key not in winners]
            if doomed:  # rows of saves that lost: no partial save may commit
                curs.execute(self._delete_ids, (doomed,))
            kept = [
                (inserted[_key(e)], e) for s in batch for e in s.events if winners.get(_key(e)) is s
            ]
            self._link(curs, bytes(row["hash"]) if row else GENESIS, kept)
        for save in batch:
            if all(winners.get(_key(e)) is save for e in save.events):
                save.ids = [inserted[_key(e)] for e in save.events]
            else:
                save.error = IntegrityError("a concurrent save got there first")

    def _composites(self, events: list[StoredEvent]) -> list[Any]:
        return [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in events
        ]

    def _link(self, curs: Any, previous: bytes, rows: list[tuple[int, StoredEvent]]) -> None:
        if not rows:
            return
        rows.sort(key=lambda r: r[0])
        links = extend(
            previous,
            [(nid, e.originator_id, e.originator_version, e.topic, e.state) for nid, e in rows],
        )
        curs.execute(self._insert_link_arrays, ([n for n, _ in links], [h for _, h in links]))


def _key(event: StoredEvent) -> tuple[str, int]:
    return str(event.originator_id), event.originator_version


def _winners(
    batch: list[_Save], inserted: dict[tuple[str, int], int]
) -> dict[tuple[str, int], _Save]:
    """Which save owns each inserted row. On a duplicate key the first row in insert order
    was kept, so a key belongs to the first save that carries it; a save wins only if it
    owns every one of its rows."""
    first: dict[tuple[str, int], _Save] = {}
    for save in batch:
        for event in save.events:
            first.setdefault(_key(event), save)
    owned: dict[tuple[str, int], _Save] = {}
    for save in batch:
        keys = [_key(e) for e in save.events]
        if all(k in inserted and first[k] is save for k in keys):
            owned.update(dict.fromkeys(keys, save))
    return owned
