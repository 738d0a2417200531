"""What search needs from a backend, and what a caller may find.

A backend ranks documents; it never decides who reads them: every request carries the
caller's `Readable` scope, which a `ReadableScope` computes. Today that is the caller's own
documents (`OwnDocuments`); sharing and permissions add the conversations shared with the
caller by returning them in `Readable.conversations`, and every backend already filters on
both (user = caller OR conversation IN shared).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class Readable:
    owners: tuple[str, ...]  # user ids whose documents the caller reads
    conversations: tuple[str, ...] = ()  # and these conversations, whoever owns them


class ReadableScope(Protocol):
    def readable(self, user_id: UUID) -> Readable: ...


class OwnDocuments:
    """The caller reads their own documents and nothing else."""

    def readable(self, user_id: UUID) -> Readable:
        return Readable((str(user_id),))


@dataclass(frozen=True)
class Query:
    text: str  # already checked: 1..256 characters, no NUL
    words: tuple[str, ...]  # the text's words, case-folded (for the SQL backends' queries)
    readable: Readable
    limit: int
    offset: int = 0


@dataclass(frozen=True)
class MessageHit:
    conversation_id: str
    message_id: str


class SearchIndex(Protocol):
    """A backend. Results are ranked best first: exact words before prefixes of longer ones."""

    backend: str  # "sqlite", "postgres" or "meilisearch"

    def available(self) -> bool:
        """Whether searches can be answered now (LibreChat's `/api/search/enable`)."""

    def messages(self, query: Query) -> list[MessageHit]: ...

    def conversations(self, query: Query) -> list[str]:
        """Ids of conversations whose title or tags match."""


class ExternalIndex(Protocol):
    """An index outside the read-model database (Meilisearch), fed from the search documents."""

    def sync(self) -> int:
        """Apply what changed since its own position; returns how many changes."""

    def reindex(self, progress: Callable[[int, int], None]) -> int:
        """Copy every document into a fresh index and swap it in (readers keep the old one
        until then); `progress(done, total)` after each batch."""
