"""What the SQL backends share: the readable scope as SQL (the caller's own rows, or rows of
conversations shared with them) and exact matches before prefix matches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from application.search.ports import Query, Readable


def readable(table: Any, scope: Readable) -> Any:
    own = table.c.user_id.in_(scope.owners)
    if not scope.conversations:
        return own
    return sa.or_(own, table.c.conversation_id.in_(scope.conversations))


Rows = list[tuple[Any, ...]]


def exact_first(query: Query, run: Callable[[bool, int], Rows]) -> Rows:
    """Documents holding every word exactly (ranked among themselves), then those matching
    only by prefixes: `run(exact, limit)`. The prefix search, which must merge the postings of
    every word a prefix starts, runs only when the exact hits do not fill the page."""
    wanted = query.offset + query.limit
    hits = run(True, wanted)
    if len(hits) < wanted:
        hits += run(False, wanted - len(hits))
    return hits[query.offset :]
