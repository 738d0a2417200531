"""SQLite FTS5 (the embedded mode): the search projection's FTS5 tables, BM25 ranking with
exact words first, prefixes by `"word"*`, diacritics folded by the `unicode61` tokenizer."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from application.search.ports import MessageHit, Query
from infrastructure.search.scope import readable
from projections.engine.state import physical_name, projection_state
from projections.search.ddl import fts_name
from projections.search.documents import SearchProjection


class Fts5Index:
    backend = "sqlite"

    def __init__(self, db: sa.Engine, projection: SearchProjection) -> None:
        self._db = db
        self._projection = projection

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
            fts = sa.table(fts_name(table.name), sa.column("rowid"))
            match: Any = sa.literal_column(f'"{fts.name}"')
            exact = (
                sa.select(fts.c.rowid).where(match.op("MATCH")(_exact(query.words))).correlate(None)
            )
            statement = (
                sa.select(*[table.c[c] for c in columns])
                .select_from(fts.join(table, table.c.rid == fts.c.rowid))
                .where(match.op("MATCH")(_prefixes(query.words)), readable(table, query.readable))
                .order_by(
                    fts.c.rowid.in_(exact).desc(),
                    sa.func.bm25(match),
                    table.c.rid.desc(),
                )
                .limit(query.limit)
                .offset(query.offset)
            )
            return [tuple(r) for r in conn.execute(statement)]

    def _table(self, base: str, generation: int) -> sa.Table:
        tables = self._projection.define(sa.MetaData(), lambda b: physical_name(b, generation))
        return tables[base]


def _exact(words: tuple[str, ...]) -> str:
    return " ".join(f'"{w}"' for w in words)


def _prefixes(words: tuple[str, ...]) -> str:
    return " ".join(f'"{w}"*' for w in words)
