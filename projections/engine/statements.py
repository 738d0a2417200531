"""The statements BufferedRows sends: one per table and shape of change, built once, so a run
of changes is one `executemany` and SQLAlchemy's compiled cache is hit on every later call.
Each knows how two queued changes of one row fold (`combine`)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


class Change:
    """A statement and how a second change of a row already queued folds into the first:
    the merged parameters, or None when it must be sent apart (in a new run)."""

    def __init__(self, statement: Any) -> None:
        self.statement = statement

    def combine(self, queued: dict[str, Any], row: dict[str, Any]) -> dict[str, Any] | None:
        return None


class Upsert(Change):
    def __init__(
        self, statement: Any, table: sa.Table, key: tuple[str, ...], sets: tuple[str, ...]
    ) -> None:
        super().__init__(statement)
        self.table, self.key = table, key
        self._key, self._sets = frozenset(key), frozenset(sets)

    def amendable(
        self, table: sa.Table, where: Mapping[str, Any], groups: tuple[Mapping[str, Any], ...]
    ) -> bool:
        """Whether an update of `table` selecting by `where` changes one of this upsert's rows
        only in columns it sets, whether it inserts or updates (so the queued row may take
        the change)."""
        if table is not self.table or where.keys() != self._key:
            return False
        return all(column in self._sets for group in groups for column in group)


class Tally(Change):
    """INSERT … ON CONFLICT (key) DO UPDATE SET n = n + excluded.n for every other column."""

    def __init__(self, statement: Any, counts: tuple[str, ...]) -> None:
        super().__init__(statement)
        self._counts = counts

    def combine(self, queued: dict[str, Any], row: dict[str, Any]) -> dict[str, Any] | None:
        return {**queued, **{c: queued[c] + row[c] for c in self._counts}}


class Update(Change):
    """UPDATE … SET values, counter + n, column = COALESCE(value, column) WHERE key = …"""

    def __init__(
        self,
        statement: Any,
        names: tuple[str, ...],
        adds: tuple[str, ...] = (),
        keeps: tuple[str, ...] = (),
        moves: bool = False,
    ) -> None:
        super().__init__(statement)
        self.names, self._adds, self._keeps = names, adds, keeps
        # an update that sets a column it selects by (a renamed tag) moves its row to another
        # key: what comes after it must not be folded into what came before
        self._moves = moves

    def params(self, *groups: Mapping[str, Any]) -> dict[str, Any]:
        return dict(zip(self.names, (v for group in groups for v in group.values()), strict=True))

    def combine(self, queued: dict[str, Any], row: dict[str, Any]) -> dict[str, Any] | None:
        if self._moves:
            return None
        merged = dict(row)
        for name in self._adds:
            merged[name] = queued[name] + row[name]
        for name in self._keeps:
            if row[name] is None:
                merged[name] = queued[name]
        return merged


class Delete(Update):
    def combine(self, queued: dict[str, Any], row: dict[str, Any]) -> dict[str, Any] | None:
        return queued  # deleting the same rows twice is deleting them once


@functools.lru_cache(maxsize=256)
def insert(table: sa.Table) -> Change:
    return Change(table.insert())


@functools.lru_cache(maxsize=1024)
def upsert(
    dialect_name: str,
    table: sa.Table,
    key: tuple[str, ...],
    columns: tuple[str, ...],
    update: tuple[str, ...] | None,
) -> Upsert:
    """INSERT … ON CONFLICT (key) DO UPDATE (or DO NOTHING), on either dialect."""
    sets = tuple(update) if update is not None else tuple(c for c in columns if c not in key)
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(table)
    if sets:
        statement = statement.on_conflict_do_update(
            index_elements=list(key), set_={c: statement.excluded[c] for c in sets}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(key))
    return Upsert(statement, table, key, tuple(c for c in sets if c in columns))


@functools.lru_cache(maxsize=256)
def tally(
    dialect_name: str, table: sa.Table, key: tuple[str, ...], columns: tuple[str, ...]
) -> Tally:
    counts = tuple(c for c in columns if c not in key)
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(key),
        set_={c: table.c[c] + statement.excluded[c] for c in counts},
    )
    return Tally(statement, counts)


@functools.lru_cache(maxsize=1024)
def update(
    table: sa.Table,
    where: tuple[str, ...],
    values: tuple[str, ...],
    add: tuple[str, ...],
    or_keep: tuple[str, ...],
) -> Update:
    c = table.c
    assignments: dict[str, Any] = {v: sa.bindparam(f"v_{v}", type_=c[v].type) for v in values}
    for a in add:
        assignments[a] = c[a] + sa.bindparam(f"a_{a}", type_=c[a].type)
    for k in or_keep:
        assignments[k] = sa.func.coalesce(sa.bindparam(f"k_{k}", type_=c[k].type), c[k])
    statement = table.update().where(*_where(table, where)).values(assignments)
    names = (
        *(f"w_{w}" for w in where),
        *(f"v_{v}" for v in values),
        *(f"a_{a}" for a in add),
        *(f"k_{k}" for k in or_keep),
    )
    adds, keeps = tuple(f"a_{a}" for a in add), tuple(f"k_{k}" for k in or_keep)
    moves = not set(where).isdisjoint((*values, *add, *or_keep))
    return Update(statement, names, adds, keeps, moves)


@functools.lru_cache(maxsize=256)
def delete(table: sa.Table, where: tuple[str, ...]) -> Delete:
    statement = table.delete().where(*_where(table, where))
    return Delete(statement, tuple(f"w_{w}" for w in where))


def _where(table: sa.Table, columns: tuple[str, ...]) -> list[Any]:
    return [table.c[w] == sa.bindparam(f"w_{w}", type_=table.c[w].type) for w in columns]
