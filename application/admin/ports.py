"""What the audit log reads: the events stores themselves and their hash chains."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from domain.shared.events import DomainEvent


@dataclass(frozen=True)
class Recorded:
    """One stored event and where it sits: its context's log position (its chain `seq`)."""

    context: str
    seq: int
    event: DomainEvent


@dataclass(frozen=True)
class ChainCheck:
    context: str
    checked: int
    head: str  # hex
    broken_at: int | None = None
    reason: str = ""


class Trail(Protocol):
    def recorded(self, context: str, topics: Sequence[str]) -> Iterator[Recorded]:
        """Every event of `topics` in the context's log, oldest first."""
        ...

    def one(self, context: str, seq: int) -> Recorded | None: ...
    def links(self, context: str, seq: int) -> tuple[str, str]:
        """(hash, previous hash) of the record at `seq`, in hex ('' when it has no link)."""
        ...

    def verify(self, context: str) -> ChainCheck:
        """The context's whole chain recomputed from its first record."""
        ...
