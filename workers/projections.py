"""Projection catch-up driven by coalesced "poke" messages plus a periodic sweep."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Protocol
from uuid import UUID

import dramatiq

from application.shared.store import Position
from projections.engine.engine import ProjectionEngine
from workers.actors import declare
from workers.periodic import Periodic

log = logging.getLogger(__name__)


class PendingPokes(Protocol):
    """At most one queued poke per projection: `add` says whether to send one."""

    def add(self, name: str) -> bool: ...
    def add_many(self, names: list[str]) -> list[bool]: ...
    def clear(self, name: str) -> None: ...


class MemoryPendingPokes:
    def __init__(self) -> None:
        self._names: set[str] = set()
        self._lock = threading.Lock()

    def add(self, name: str) -> bool:
        with self._lock:
            if name in self._names:
                return False
            self._names.add(name)
            return True

    def add_many(self, names: list[str]) -> list[bool]:
        return [self.add(name) for name in names]

    def clear(self, name: str) -> None:
        with self._lock:
            self._names.discard(name)


class Poker:
    """Sends `catch_up_projection(name)` for every projection that reads a context."""

    def __init__(
        self, actor: dramatiq.Actor[[str], None], pending: PendingPokes, engine: ProjectionEngine
    ) -> None:
        self._actor = actor
        self._pending = pending
        self._readers: dict[str, list[str]] = {}
        for name, projection in engine.projections.items():
            for context in projection.subscriptions:
                self._readers.setdefault(context, []).append(name)
        self._all = list(engine.projections)

    def committed(self, position: Position, _actor: UUID | None = None) -> None:
        self.poke(self._readers.get(position.context, ()))

    def poke(self, names: Iterable[str]) -> None:
        names = list(names)
        if not names:
            return
        for name, added in zip(names, self._pending.add_many(names), strict=True):
            if added:
                try:
                    self._actor.send(name)
                except Exception:  # a broker outage only delays: the sweep pokes again
                    self._pending.clear(name)
                    log.warning("could not send poke for %s; the sweep will retry", name)

    def poke_all(self) -> None:
        self.poke(self._all)


def register_catch_up(
    broker: dramatiq.Broker, engine: ProjectionEngine, pending: PendingPokes
) -> dramatiq.Actor[[str], None]:
    def catch_up_projection(name: str) -> None:
        pending.clear(name)  # pokes arriving from now on queue another run
        if name in engine.projections:
            engine.catch_up(name)

    return declare(
        broker,
        catch_up_projection,
        name="catch_up_projection",
        queue="projections",
        max_retries=1000,
        backoff_ms=(200, 30_000),
        time_limit_ms=600_000,
    )


class Sweeper(Periodic):
    """Pokes every projection every `interval` seconds: the safety net for lost pokes."""

    def __init__(self, poker: Poker, interval: float) -> None:
        super().__init__("projection-sweep", interval, poker.poke_all)
