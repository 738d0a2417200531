"""The readable scope as SQL: the caller's own rows, or rows of conversations shared with them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from application.search.ports import Readable


def readable(table: Any, scope: Readable) -> Any:
    own = table.c.user_id.in_(scope.owners)
    if not scope.conversations:
        return own
    return sa.or_(own, table.c.conversation_id.in_(scope.conversations))
