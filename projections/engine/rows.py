"""Rows: the port a projection writes its read model through, in the terms of its rows.

A projection says which row changes and how (insert it, upsert it by its key, set, add to
or keep columns of the rows a key selects, delete them); the engine decides how that reaches
the database (projections/engine/writes.py queues runs of the same change and sends each
run as one statement, folding changes of one row). So `apply` reads like the domain it
serves, and knows nothing of how its writes are batched.

`where` always selects by equality on columns, all of them together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import sqlalchemy as sa


class Rows(Protocol):
    def insert(self, table: sa.Table, row: Mapping[str, Any]) -> None:
        """A new row (no key to conflict on)."""

    def upsert(
        self,
        table: sa.Table,
        row: Mapping[str, Any],
        key: Sequence[str],
        update: Sequence[str] | None = None,
    ) -> None:
        """Insert `row`, or when a row with its `key` exists set its `update` columns (all
        the row's other columns when None; none when empty: the existing row stays)."""

    def tally(self, table: sa.Table, row: Mapping[str, Any], key: Sequence[str]) -> None:
        """Insert `row`, or when a row with its `key` exists add its other columns to that
        row's (counters and sums kept per key)."""

    def update(
        self,
        table: sa.Table,
        where: Mapping[str, Any],
        values: Mapping[str, Any] | None = None,
        add: Mapping[str, Any] | None = None,
        or_keep: Mapping[str, Any] | None = None,
    ) -> None:
        """Of the rows `where` selects: set `values`, add `add` to counters, and set the
        `or_keep` columns to their value unless it is None (then they keep theirs)."""

    def delete(self, table: sa.Table, where: Mapping[str, Any]) -> None:
        """The rows `where` selects."""

    def get(self, table: sa.Table, where: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row `where` selects, as written so far (queued changes included). Asked
        again before the table is written to, it answers without a query."""

    def read(self, query: sa.Select[Any]) -> sa.Result[Any]:
        """Any other query, seeing every change written so far."""
