"""PostgreSQL full-text: the search projection's generated `tsvector` (GIN-indexed), the
configured language's stemmed words ranked above prefixes (`'word':*`) of plain words;
diacritics folded by `unaccent` where the server has it (projections/search/ddl.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from application.search.ports import MessageHit, Query
from infrastructure.search.scope import Rows, exact_first, readable
from projections.search.ddl import FOLD
from projections.search.documents import SearchProjection


class PostgresIndex:
    backend = "postgres"

    def __init__(self, db: sa.Engine, projection: SearchProjection) -> None:
        self._db = db
        self._language = projection.language
        views = projection.views()
        self._messages = _with_tsv(views["search_messages"])
        self._convos = _with_tsv(views["search_convos"])

    def available(self) -> bool:
        return True

    def messages(self, query: Query) -> list[MessageHit]:
        t = self._messages
        rows = self._search(t, query, [t.c.conversation_id, t.c.message_id])
        return [MessageHit(c, m) for c, m in rows]

    def conversations(self, query: Query) -> list[str]:
        return [c for (c,) in self._search(self._convos, query, [self._convos.c.conversation_id])]

    def _search(self, table: Any, query: Query, columns: list[Any]) -> list[tuple[Any, ...]]:
        fold = getattr(sa.func, FOLD)
        exact = sa.func.to_tsquery(
            sa.literal_column(f"'{self._language}'::regconfig"),
            fold(" & ".join(f"'{w}'" for w in query.words)),
        )
        prefixes = sa.func.to_tsquery(
            sa.literal_column("'simple'::regconfig"),
            fold(" & ".join(f"'{w}':*" for w in query.words)),
        )
        tsv = table.c.tsv

        def run(is_exact: bool, limit: int) -> Rows:
            matched = (
                tsv.op("@@", is_comparison=True)(exact)
                if is_exact
                else sa.and_(
                    tsv.op("@@", is_comparison=True)(prefixes),
                    sa.not_(tsv.op("@@", is_comparison=True)(exact)),
                )
            )
            rank = sa.func.ts_rank(tsv, exact if is_exact else prefixes)
            statement = (
                sa.select(*columns)
                .where(matched, readable(table, query.readable))
                .order_by(rank.desc(), table.c.rid.desc())
                .limit(limit)
            )
            with self._db.connect() as conn:
                return [tuple(r) for r in conn.execute(statement)]

        return exact_first(query, run)


def _with_tsv(view: sa.Table) -> sa.Table:
    """The view with its generated column (added by DDL, so not in the projection's Table)."""
    columns = [sa.Column(c.name, c.type) for c in view.columns]
    return sa.Table(view.name, sa.MetaData(), *columns, sa.Column("tsv", postgresql.TSVECTOR))
