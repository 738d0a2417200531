"""Read-your-writes: a query waits (bounded) until the projections it reads have passed the
caller's own last write."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable
from typing import Protocol
from uuid import UUID

from application.shared.store import Position
from projections.engine.engine import Busy, ProjectionEngine


class Watermarks(Protocol):
    """Per-user highest committed position per context (memory, or Redis with a TTL)."""

    def mark(self, actor: UUID, position: Position) -> None: ...
    def get(self, actor: UUID) -> dict[str, int]: ...


class MemoryWatermarks:
    def __init__(self) -> None:
        self._marks: dict[UUID, dict[str, int]] = {}
        self._lock = threading.Lock()

    def mark(self, actor: UUID, position: Position) -> None:
        with self._lock:
            marks = self._marks.setdefault(actor, {})
            marks[position.context] = max(marks.get(position.context, 0), position.notification_id)

    def get(self, actor: UUID) -> dict[str, int]:
        with self._lock:
            return dict(self._marks.get(actor, {}))


class ReadYourWrites:
    def __init__(self, engine: ProjectionEngine, watermarks: Watermarks, timeout: float) -> None:
        self.engine = engine
        self.watermarks = watermarks
        self.timeout = timeout
        # The highest position seen per (projection, context). Positions only grow (a rebuilt
        # generation is served only once it has caught up), so a mark at or below what was
        # seen needs no query.
        self._seen: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def wait(self, actor: UUID | None, projections: Iterable[str]) -> bool:
        """True when every named projection has caught up with the actor's writes.

        While waiting it helps: it runs a catch-up batch itself when no worker holds the
        projection (so a stopped worker pool never makes a user read stale data)."""
        if actor is None:
            return True
        marks = self.watermarks.get(actor)
        return self._wait_until(marks, projections) if marks else True

    def wait_for_head(self, projections: Iterable[str]) -> bool:
        """True when every named projection has applied everything committed (in the
        contexts it reads) before this call, whoever wrote it. Stronger than `wait`: it needs
        no watermark (one skipped while Redis was down, or expired, cannot fool it), so a
        command may trust the read model to be complete as of its own start."""
        names = list(projections)
        contexts = {c for name in names for c in self.engine.projections[name].subscriptions}
        stores = self.engine.stores
        heads = {c: int(stores[c].recorder.max_notification_id() or 0) for c in contexts}
        return self._wait_until(heads, names)

    def wait_for_positions(self, marks: dict[str, int], exclude: Iterable[str] = ()) -> bool:
        """True when every projection reading a context of `marks` (context → notification
        id, as a write reported them) has passed its position: a client asking for
        read-your-writes explicitly. `exclude`: projections not to wait for."""
        skip = set(exclude)
        names = [
            name
            for name, projection in self.engine.projections.items()
            if name not in skip and any(c in projection.subscriptions for c in marks)
        ]
        return self._wait_until(marks, names)

    def _wait_until(self, marks: dict[str, int], projections: Iterable[str]) -> bool:
        deadline = time.monotonic() + self.timeout
        pause = 0.002
        for name in projections:
            while not self._passed(name, marks):
                if time.monotonic() >= deadline:
                    return False
                self._help(name)
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
        return True

    def _passed(self, name: str, marks: dict[str, int]) -> bool:
        read = self.engine.projections[name].subscriptions
        with self._lock:
            if all(self._seen.get((name, c), 0) >= n for c, n in marks.items() if c in read):
                return True
        positions = self.engine.positions(name)
        with self._lock:
            for context, position in positions.items():
                key = (name, context)
                self._seen[key] = max(self._seen.get(key, 0), position)
        return all(positions.get(c, 0) >= n for c, n in marks.items() if c in positions)

    def _help(self, name: str) -> None:
        if self.engine.db.dialect.name != "postgresql":
            return  # SQLite: in-process workers are already on it; don't queue behind them
        with contextlib.suppress(Busy):
            self.engine.catch_up_batch(name, wait=False)
