"""Search: checks what the caller typed, scopes it to what they may read, asks the index."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from application.search.ports import MessageHit, Query, ReadableScope, SearchIndex
from domain.shared.errors import Invalid

MAX_TEXT = 256  # characters of a search, as LibreChat's share search
MAX_WORDS = 16
MAX_CONVERSATIONS = 1000  # matching conversations a list is restricted to
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class MessagePage:
    hits: list[MessageHit]
    next_offset: int | None


class Search:
    def __init__(
        self,
        index: SearchIndex,
        scope: ReadableScope,
        enabled: bool,
        caught_up: Callable[[UUID], None] = lambda _user: None,
    ) -> None:
        self.index = index
        self._scope = scope
        self._enabled = enabled
        self._caught_up = caught_up  # read-your-writes: waits for the search projection

    def enabled(self) -> bool:
        if not self._enabled:
            return False
        try:
            return self.index.available()
        except Exception:  # an index that cannot answer means no search box, not an error
            return False

    def messages(self, user_id: UUID, text: str, limit: int, offset: int = 0) -> MessagePage:
        query = self._query(user_id, text, limit + 1, offset)
        if query is None:
            return MessagePage([], None)
        hits = self.index.messages(query)
        more = len(hits) > limit
        return MessagePage(hits[:limit], offset + limit if more else None)

    def conversations(self, user_id: UUID, text: str) -> list[str]:
        query = self._query(user_id, text, MAX_CONVERSATIONS)
        return [] if query is None else self.index.conversations(query)

    def _query(self, user_id: UUID, text: str, limit: int, offset: int = 0) -> Query | None:
        text = text.strip()
        if len(text) > MAX_TEXT:
            raise Invalid(f"search must be {MAX_TEXT} characters or fewer")  # as /api/share
        if "\x00" in text:
            raise Invalid("Invalid search: must not contain NUL characters")
        if offset < 0 or offset > 10_000:
            raise Invalid("Invalid cursor")
        words = tuple(w.casefold() for w in _WORD.findall(text))[:MAX_WORDS]
        if not words:
            return None
        self._caught_up(user_id)
        return Query(text, words, self._scope.readable(user_id), limit, offset)
