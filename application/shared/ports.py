"""Ports that several contexts and the composition root share."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol
from uuid import UUID


class KeyStore(Protocol):
    """Per-subject data keys (crypto-shredding): the event mapper encrypts with them, identity
    destroys them, revocation asks which were destroyed."""

    on_destroy: list[Callable[[UUID], None]]  # told after a key is destroyed

    def create_tables(self) -> None: ...
    def key_for_write(self, subject: UUID) -> bytes: ...
    def key_for_read(self, subject: UUID) -> bytes | None: ...
    def destroy(self, subject: UUID) -> None: ...
    def is_destroyed(self, subject: UUID) -> bool: ...
    def destroyed_since(self, since: datetime) -> list[tuple[UUID, datetime]]: ...


class Consistency(Protocol):
    """Read-your-writes: a request waits until the read models include its writer's events."""

    def wait(self, actor: UUID | None, projections: Iterable[str]) -> bool:
        """True when the named read models include everything `actor` wrote (False: timed
        out, the caller serves what is there)."""
        ...
