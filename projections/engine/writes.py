"""BufferedRows: the engine's `Rows`, sending runs of the same change as one `executemany`.

Projections write row by row; applying a batch of events that way costs a round trip per
row. Here each change is queued while the statement it needs stays the same, and anything
else (another statement, a read, the end of the batch) sends the queued run first, so
changes still take effect in exactly the order they were made. Within a run:

- a change keyed like one already queued folds into it where applying both gives one
  change (two updates of a row: the later values, the sum of the additions, the last value
  given of `or_keep`; a delete repeated), else starts a new run: an INSERT … ON CONFLICT
  sent as one multi-row statement may not touch the same row twice. Changes to different
  rows commute (the same `where` columns with other values select other rows), so folding
  into an earlier change of the run keeps the outcome;
- an update of a row an upsert run has queued, on the columns that upsert sets, amends the
  queued row in place instead of sending its own statement (a conversation started and
  posted to within one batch is written once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from projections.engine import statements
from projections.engine.statements import Change, Upsert

_EMPTY: Mapping[str, Any] = {}


class BufferedRows:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self._dialect = conn.dialect.name
        self._change: Change | None = None
        self._rows: list[dict[str, Any]] = []
        self._keys: dict[tuple[Any, ...], int] = {}

    # ------------------------------------------------------------------ Rows
    def insert(self, table: sa.Table, row: Mapping[str, Any]) -> None:
        self._queue(statements.insert(table), dict(row), None)

    def upsert(
        self,
        table: sa.Table,
        row: Mapping[str, Any],
        key: Sequence[str],
        update: Sequence[str] | None = None,
    ) -> None:
        sets = None if update is None else tuple(update)
        change = statements.upsert(self._dialect, table, tuple(key), tuple(row), sets)
        self._queue(change, dict(row), tuple(row[k] for k in key))

    def update(
        self,
        table: sa.Table,
        where: Mapping[str, Any],
        values: Mapping[str, Any] | None = None,
        add: Mapping[str, int] | None = None,
        or_keep: Mapping[str, Any] | None = None,
    ) -> None:
        values, add, or_keep = values or _EMPTY, add or _EMPTY, or_keep or _EMPTY
        if self._amend_queued(table, where, values, add, or_keep):
            return
        change = statements.update(table, tuple(where), tuple(values), tuple(add), tuple(or_keep))
        row = change.params(where, values, add, or_keep)
        self._queue(change, row, tuple(where.values()))

    def delete(self, table: sa.Table, where: Mapping[str, Any]) -> None:
        change = statements.delete(table, tuple(where))
        self._queue(change, change.params(where, _EMPTY, _EMPTY, _EMPTY), tuple(where.values()))

    def get(self, table: sa.Table, where: Mapping[str, Any]) -> dict[str, Any] | None:
        query = sa.select(table).where(*(table.c[c] == v for c, v in where.items())).limit(1)
        row = self.read(query).first()
        return None if row is None else dict(row._mapping)

    def read(self, query: sa.Select[Any]) -> sa.Result[Any]:
        self.flush()
        return self.conn.execute(query)

    # -------------------------------------------------------------- the runs
    def flush(self) -> None:
        if self._rows and self._change is not None:
            self.conn.execute(self._change.statement, self._rows)
        self._change, self._rows = None, []
        self._keys.clear()

    def _queue(self, change: Change, row: dict[str, Any], key: tuple[Any, ...] | None) -> None:
        if change is not self._change:
            self.flush()
            self._change = change
        elif key is not None and key in self._keys:
            index = self._keys[key]
            merged = change.combine(self._rows[index], row)
            if merged is not None:
                self._rows[index] = merged
                return
            self.flush()
            self._change = change
        self._rows.append(row)
        if key is not None:
            self._keys[key] = len(self._rows) - 1

    def _amend_queued(
        self,
        table: sa.Table,
        where: Mapping[str, Any],
        values: Mapping[str, Any],
        add: Mapping[str, int],
        or_keep: Mapping[str, Any],
    ) -> bool:
        """Fold the update into the row the current upsert run queued for the same key."""
        change = self._change
        if not isinstance(change, Upsert) or not change.amendable(
            table, where, (values, add, or_keep)
        ):
            return False
        index = self._keys.get(tuple(where[k] for k in change.key))
        if index is None:
            return False
        queued = self._rows[index]
        queued.update(values)
        for column, amount in add.items():
            queued[column] = None if queued[column] is None else queued[column] + amount
        queued.update((c, v) for c, v in or_keep.items() if v is not None)
        return True
