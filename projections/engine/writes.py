"""BufferedRows: the engine's `Rows`, sending runs of the same change as one `executemany`.

Projections write row by row; applying a batch of events that way costs a round trip per
row. Here each table has a run of queued changes, kept while the statement it needs stays
the same; another statement on that table sends the table's run first, a read of a table
sends its run (any other query, and the end of the batch, send them all). Changes of one
table take effect in exactly the order they were made; changes of different tables commute
(read models have no foreign keys), so each table's runs may go out independently. Within a
run:

- a change keyed like one already queued folds into it where applying both gives one
  change (two updates of a row: the later values, the sum of the additions, the last value
  given of `or_keep`; a delete repeated; two tallies of a row: the sums), else starts a new
  run: an INSERT … ON CONFLICT sent as one multi-row statement may not touch the same row
  twice. Changes to different rows commute (the same `where` columns with other values
  select other rows), so folding into an earlier change of the run keeps the outcome;
- an update of a row an upsert run has queued, on the columns that upsert sets, amends the
  queued row in place instead of sending its own statement (a conversation started and
  posted to within one batch is written once).

`get` remembers what it read until the table is written to again (a tombstone table asked
about on every event is read once per batch and key).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from projections.engine import statements
from projections.engine.statements import Change, Upsert

_EMPTY: Mapping[str, Any] = {}


class _Run:
    """The changes queued for one table, all of one statement."""

    def __init__(self, change: Change) -> None:
        self.change = change
        self.rows: list[dict[str, Any]] = []
        self.keys: dict[tuple[Any, ...], int] = {}


class BufferedRows:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self._dialect = conn.dialect.name
        self._runs: dict[sa.Table, _Run] = {}
        self._seen: dict[sa.Table, dict[tuple[tuple[str, Any], ...], dict[str, Any] | None]] = {}

    # ------------------------------------------------------------------ Rows
    def insert(self, table: sa.Table, row: Mapping[str, Any]) -> None:
        self._queue(table, statements.insert(table), dict(row), None)

    def upsert(
        self,
        table: sa.Table,
        row: Mapping[str, Any],
        key: Sequence[str],
        update: Sequence[str] | None = None,
    ) -> None:
        sets = None if update is None else tuple(update)
        change = statements.upsert(self._dialect, table, tuple(key), tuple(row), sets)
        self._queue(table, change, dict(row), tuple(row[k] for k in key))

    def tally(self, table: sa.Table, row: Mapping[str, Any], key: Sequence[str]) -> None:
        change = statements.tally(self._dialect, table, tuple(key), tuple(row))
        self._queue(table, change, dict(row), tuple(row[k] for k in key))

    def update(
        self,
        table: sa.Table,
        where: Mapping[str, Any],
        values: Mapping[str, Any] | None = None,
        add: Mapping[str, Any] | None = None,
        or_keep: Mapping[str, Any] | None = None,
    ) -> None:
        values, add, or_keep = values or _EMPTY, add or _EMPTY, or_keep or _EMPTY
        if self._amend_queued(table, where, values, add, or_keep):
            return
        change = statements.update(table, tuple(where), tuple(values), tuple(add), tuple(or_keep))
        row = change.params(where, values, add, or_keep)
        self._queue(table, change, row, tuple(where.values()))

    def delete(self, table: sa.Table, where: Mapping[str, Any]) -> None:
        change = statements.delete(table, tuple(where))
        row = change.params(where, _EMPTY, _EMPTY, _EMPTY)
        self._queue(table, change, row, tuple(where.values()))

    def get(self, table: sa.Table, where: Mapping[str, Any]) -> dict[str, Any] | None:
        seen = self._seen.setdefault(table, {})
        memo = tuple(where.items())
        if memo in seen:
            found = seen[memo]
            return None if found is None else dict(found)
        self._send(table)
        query = sa.select(table).where(*(table.c[c] == v for c, v in where.items())).limit(1)
        row = self.conn.execute(query).first()
        seen[memo] = None if row is None else dict(row._mapping)
        return None if row is None else dict(row._mapping)

    def read(self, query: sa.Select[Any]) -> sa.Result[Any]:
        self.flush()
        return self.conn.execute(query)

    # -------------------------------------------------------------- the runs
    def flush(self) -> None:
        for table in list(self._runs):
            self._send(table)

    def _send(self, table: sa.Table) -> None:
        run = self._runs.pop(table, None)
        if run is not None and run.rows:
            self.conn.execute(run.change.statement, run.rows)

    def _queue(
        self, table: sa.Table, change: Change, row: dict[str, Any], key: tuple[Any, ...] | None
    ) -> None:
        self._seen.pop(table, None)
        run = self._runs.get(table)
        if run is None or change is not run.change:
            self._send(table)
            run = self._runs[table] = _Run(change)
        elif key is not None and key in run.keys:
            index = run.keys[key]
            merged = change.combine(run.rows[index], row)
            if merged is not None:
                run.rows[index] = merged
                return
            self._send(table)
            run = self._runs[table] = _Run(change)
        run.rows.append(row)
        if key is not None:
            run.keys[key] = len(run.rows) - 1

    def _amend_queued(
        self,
        table: sa.Table,
        where: Mapping[str, Any],
        values: Mapping[str, Any],
        add: Mapping[str, Any],
        or_keep: Mapping[str, Any],
    ) -> bool:
        """Fold the update into the row the table's upsert run queued for the same key."""
        run = self._runs.get(table)
        change = run.change if run is not None else None
        if not isinstance(change, Upsert) or not change.amendable(
            table, where, (values, add, or_keep)
        ):
            return False
        assert run is not None
        index = run.keys.get(tuple(where[k] for k in change.key))
        if index is None:
            return False
        self._seen.pop(table, None)
        queued = run.rows[index]
        queued.update(values)
        for column, amount in add.items():
            queued[column] = None if queued[column] is None else queued[column] + amount
        queued.update((c, v) for c, v in or_keep.items() if v is not None)
        return True
