"""SQLite FTS5 (the embedded mode): the search projection's FTS5 tables, BM25 ranking with
exact words first, prefixes by `"word"*`, diacritics folded by the `unicode61` tokenizer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.search.ports import MessageHit, Query, Readable
from infrastructure.search.scope import Rows, exact_first, readable
from projections.engine.state import physical_name, projection_state
from projections.search.ddl import fts_name
from projections.search.documents import SearchProjection


class Fts5Index:
    backend = "sqlite"

    def __init__(self, db: sa.Engine, projection: SearchProjection) -> None:
        self._db = db
        self._projection = projection
        # built once per generation: a Table per query would cost more than the search, and
        # the same Table objects let SQLAlchemy reuse its compiled statements
        self._tables: dict[int, dict[str, sa.Table]] = {}

    def available(self) -> bool:
        return True

    def messages(self, query: Query) -> list[MessageHit]:
        rows = self._search("search_messages", query, ["conversation_id", "message_id"])
        return [MessageHit(c, m) for c, m in rows]

    def conversations(self, query: Query) -> list[str]:
        return [c for (c,) in self._search("search_convos", query, ["conversation_id"])]

    def _search(self, base: str, query: Query, columns: list[str]) -> list[tuple[Any, ...]]:
        # one read transaction: the generation read and its tables are one snapshot, so a
        # rebuild switching generations meanwhile cannot drop them under this query
        with self._db.connect() as conn, conn.begin():
            generation = conn.execute(
                sa.select(projection_state.c.active_generation).where(
                    projection_state.c.projection == self._projection.name
                )
            ).scalar_one()
            table = self._table(base, generation)

            def run(exact: bool, limit: int) -> Rows:
                statement = _statement(table, base, query, columns, exact, limit)
                return [tuple(r) for r in conn.execute(statement)]

            return exact_first(query, run)

    def _table(self, base: str, generation: int) -> sa.Table:
        if generation not in self._tables:
            self._tables = {  # the previous generation's are dropped: forget them
                generation: self._projection.define(
                    sa.MetaData(), lambda b: physical_name(b, generation)
                )
            }
        return self._tables[generation][base]


def _statement(
    table: sa.Table, base: str, query: Query, columns: list[str], exact: bool, limit: int
) -> Any:
    """The caller's documents holding every word (`exact`), or else matching every word's
    prefix, by BM25."""
    fts = sa.table(fts_name(table.name), sa.column("rowid"))
    match: Any = sa.literal_column(f'"{fts.name}"')
    words = _words(base, _exact(query.words))
    if not exact:  # the exact ones came first
        words = f"{_words(base, _prefixes(query.words))} NOT {words}"
    return (
        sa.select(*[table.c[c] for c in columns])
        .select_from(fts.join(table, table.c.rid == fts.c.rowid))
        .where(match.op("MATCH")(_owners(query.readable) + words), readable(table, query.readable))
        .order_by(sa.func.bm25(match), table.c.rid.desc())
        .limit(limit)
    )


def _owners(scope: Readable) -> str:
    """The FTS5 clause on the owner token; none when shared conversations widen the scope
    (the SQL filter alone then decides)."""
    if scope.conversations:
        return ""
    owners = " OR ".join(f'"{UUID(o).hex}"' for o in scope.owners)
    return f"owner : ({owners}) AND "


SEARCHED = {"search_messages": "{text}", "search_convos": "{title tags}"}


def _words(base: str, expression: str) -> str:
    """The words match the text columns only, never the owner token."""
    return f"{SEARCHED[base]} : ({expression})"


def _exact(words: tuple[str, ...]) -> str:
    return " ".join(f'"{w}"' for w in words)


def _prefixes(words: tuple[str, ...]) -> str:
    return " ".join(f'"{w}"*' for w in words)
