"""Group commit: concurrent saves to one events table share a single transaction.

Every writer of a context's events table queues behind the table lock anyway, so instead of
taking turns, writers queue their saves for one flusher thread per table, which writes
everything queued so far in one transaction; each writer waits for its own result.
Guarantees stay per save:
- each save gets its own notification ids, or its own `IntegrityError` when it lost a race;
- a save is atomic: a save that conflicts writes no row at all;
- order within an aggregate is its version order (the primary key), and notification ids
  still commit in order under the exclusive table lock.

A flush is one round trip: `SELECT * FROM <table>_append(rows, saves)` in autocommit runs a
PL/pgSQL function that takes the table lock, decides under it which saves conflict (a key
already stored, or carried by an earlier save of the batch), inserts the others' rows in
order, extends the hash chain with `sha256()` exactly as `chain.link` does, and returns the
notification ids per save. The function is the only writer of the events table.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Identifier, Literal

from infrastructure.eventstore.recorders import ChainedPostgresRecorder


@dataclass
class _Save:
    events: Sequence[StoredEvent]
    done: threading.Event = field(default_factory=threading.Event)
    ids: list[int] | None = None
    error: Exception | None = None


class GroupCommitPostgresRecorder(ChainedPostgresRecorder):
    max_batch_events = 2000

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self._queue: list[_Save] = []
        self._wake = threading.Condition()
        self._flusher: threading.Thread | None = None
        schema = Identifier(datastore.schema)
        self.append_function_name = f"{events_table_name}_append"
        self._append = SQL(
            "SELECT o_save, o_notification_id FROM {}.{}"
            "(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[], %s::integer[])"
        ).format(schema, Identifier(self.append_function_name))

    def create_table(self) -> None:
        """Types and tables as the library makes them, then the append function. Bootstrap
        holds a schema lock meanwhile, so processes starting together do not race."""
        statement = SQL(APPEND_FUNCTION).format(
            schema=Identifier(self.datastore.schema),
            function=Identifier(self.append_function_name),
            table=Identifier(self.events_table_name),
            chain=Identifier(self.chain_table_name),
            channel=Literal(self.channel_name),
            lock_timeout=Literal(f"{self.datastore.lock_timeout}s"),
        )
        super().create_table()
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(statement, prepare=False)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Queue the save for the flusher thread and wait for its own result."""
        if not stored_events:
            return []
        save = _Save(stored_events)
        with self._wake:
            if self._flusher is None or not self._flusher.is_alive():
                self._flusher = threading.Thread(
                    target=self._flush_forever, name=f"group-commit-{self.events_table_name}"
                )
                self._flusher.daemon = True
                self._flusher.start()
            self._queue.append(save)
            self._wake.notify()
        save.done.wait()
        if save.error is not None:
            raise save.error
        return save.ids

    def _flush_forever(self) -> None:
        """Whatever queued while the last flush ran goes in the next one (FIFO). Each writer
        waits on its own event, so a flush wakes exactly the writers it served."""
        while True:
            with self._wake:
                while not self._queue:
                    if not self._wake.wait(timeout=60):
                        self._flusher = None  # idle: let the thread go; the next save starts one
                        return
                batch = self._take_batch()
            try:
                self._flush(batch)
            except Exception as error:  # the transaction failed: each save in it fails
                for save in batch:
                    save.error = error
            for save in batch:
                save.done.set()

    def _take_batch(self) -> list[_Save]:
        batch: list[_Save] = []
        size = 0
        while self._queue and (
            not batch or size + len(self._queue[0].events) <= self.max_batch_events
        ):
            batch.append(self._queue.pop(0))
            size += len(batch[-1].events)
        return batch

    def _flush(self, batch: list[_Save]) -> None:
        """One round trip, parameters as parallel arrays in binary (no composite dumping)."""
        ids: list[Any] = []
        versions: list[int] = []
        topics: list[str] = []
        states: list[bytes] = []
        saves: list[int] = []
        for number, save in enumerate(batch):
            for e in save.events:
                ids.append(e.originator_id)
                versions.append(e.originator_version)
                topics.append(e.topic)
                states.append(e.state)
                saves.append(number)
        with self.datastore.get_connection() as conn, conn.cursor(binary=True) as curs:
            curs.execute(self._append, (ids, versions, topics, states, saves), prepare=True)
            written = curs.fetchall()
        notification_ids: dict[int, list[int]] = {}
        for row in written:
            notification_ids.setdefault(row["o_save"], []).append(row["o_notification_id"])
        for number, save in enumerate(batch):
            if number in notification_ids:
                save.ids = notification_ids[number]
            else:
                save.error = IntegrityError("a concurrent save got there first")


# A save loses when any of its keys is stored already or carried by an earlier save of the
# batch; the table lock makes that check and the insert one atomic step. Each link is
# SHA-256(previous ‖ id:8 ‖ version:8 ‖ len:4 ‖ originator id ‖ len:4 ‖ topic ‖ len:4 ‖ state),
# byte for byte what infrastructure.eventstore.chain.link computes.
APPEND_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.{function}(
  ids uuid[], versions bigint[], topics text[], states bytea[], saves integer[])
RETURNS TABLE (o_save integer, o_notification_id bigint)
LANGUAGE plpgsql AS $append$
DECLARE
  previous bytea;
  written record;
  oid bytea;
  topic_bytes bytea;
BEGIN
  PERFORM set_config('lock_timeout', {lock_timeout}, true);
  LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE;
  PERFORM pg_notify({channel}, '');
  SELECT c.hash INTO previous FROM {schema}.{chain} c ORDER BY c.notification_id DESC LIMIT 1;
  previous := coalesce(previous, decode(repeat('00', 32), 'hex'));
  FOR written IN
    WITH input AS (
      SELECT e.originator_id, e.originator_version, e.topic, e.state, e.save, e.ord
      FROM unnest(ids, versions, topics, states, saves) WITH ORDINALITY
        AS e(originator_id, originator_version, topic, state, save, ord)
    ), losers AS (
      SELECT i.save FROM input i
      WHERE EXISTS (
          SELECT 1 FROM {schema}.{table} x
          WHERE x.originator_id = i.originator_id AND x.originator_version = i.originator_version)
        OR EXISTS (
          SELECT 1 FROM input j
          WHERE j.originator_id = i.originator_id AND j.originator_version = i.originator_version
            AND j.ord < i.ord)
    ), inserted AS (
      INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state)
      SELECT i.originator_id, i.originator_version, i.topic, i.state FROM input i
      WHERE i.save NOT IN (SELECT l.save FROM losers l)
      ORDER BY i.ord
      RETURNING originator_id, originator_version, topic, state, notification_id
    )
    SELECT n.*, i.save FROM inserted n
    JOIN input i USING (originator_id, originator_version)
    WHERE i.save NOT IN (SELECT l.save FROM losers l)
    ORDER BY n.notification_id
  LOOP
    oid := convert_to(written.originator_id::text, 'UTF8');
    topic_bytes := convert_to(written.topic, 'UTF8');
    previous := sha256(
      previous || int8send(written.notification_id) || int8send(written.originator_version)
      || int4send(octet_length(oid)) || oid
      || int4send(octet_length(topic_bytes)) || topic_bytes
      || int4send(octet_length(written.state)) || written.state);
    INSERT INTO {schema}.{chain} (notification_id, hash)
      VALUES (written.notification_id, previous);
    o_save := written.save;
    o_notification_id := written.notification_id;
    RETURN NEXT;
  END LOOP;
END
$append$
"""
