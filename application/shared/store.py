"""One eventsourcing Application per bounded context: its own events table and lock."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Mapper

from domain.shared.aggregate import Aggregate, ShreddedSnapshot, Snapshot
from domain.shared.errors import Conflict, NotFound
from domain.shared.events import DomainEvent

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")

CONTEXTS = ("identity", "conversations", "sharing", "billing", "agents", "memories", "files")


@dataclass(frozen=True)
class Position:
    """Where a command's last event landed in its context's notification log."""

    context: str
    notification_id: int
    events: int = 1


CommitHook = Callable[[Position, UUID | None], None]


class AggregateCache:
    """The latest known state of recently used aggregates, least recently used evicted.

    Entries are never handed out or changed: readers fork them. A process can only know
    what it wrote or read, so every load still asks the store for newer events (one
    indexed query, usually empty) and folds them in: another process's writes are never
    missed, and a decision never rests on a stale state. An entry is dropped `ttl` seconds
    after it was decrypted from the store, however often it was fast-forwarded since, so a
    destroyed key stops being readable here as soon as it does in the key cache."""

    def __init__(self, maxsize: int, ttl: float = 60.0) -> None:
        self.maxsize = maxsize
        self.ttl = ttl
        self._entries: OrderedDict[UUID, tuple[Aggregate, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        with self._lock:
            entry = self._entries.get(aggregate_id)
            if entry is None:
                return None
            if time.monotonic() - entry[1] > self.ttl:
                del self._entries[aggregate_id]
                return None
            self._entries.move_to_end(aggregate_id)
            return entry[0]

    def put(self, aggregate: Aggregate, fresh: bool = False) -> None:
        """Keep a fork of `aggregate`, unless a newer version is already kept. `fresh`: it
        was just read whole from the store (else it extends a kept entry, or is new)."""
        twin = aggregate.fork()
        now = time.monotonic()
        with self._lock:
            kept = self._entries.get(aggregate.id)
            if kept is not None and kept[0].version > twin.version:
                return
            born = now if fresh or kept is None else kept[1]
            self._entries[aggregate.id] = (twin, born)
            self._entries.move_to_end(aggregate.id)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class EventStore(Application[UUID]):
    """The event store of one context. On PostgreSQL its tables are named after the context
    (`identity_events`, `identity_events_chain`, `identity_snapshots`); on SQLite each context
    has its own file (`var/events/identity.db`) with `stored_events`, `stored_events_chain`
    and `stored_snapshots`."""

    snapshot_class = Snapshot

    def __init__(
        self,
        name: str,
        env: dict[str, str],
        mapper: Mapper[UUID],
        on_commit: CommitHook | None = None,
        snapshot_every: dict[type[Aggregate], int] | None = None,
        cache_size: int = 0,
    ) -> None:
        """`snapshot_every`: take a snapshot of these aggregates every N versions.
        `cache_size`: keep that many recently used aggregates in memory (0: none)."""
        self.name = name
        self.cache = AggregateCache(cache_size) if cache_size > 0 else None
        intervals: dict[Any, int] = dict(snapshot_every or {})
        vars(self)["snapshotting_intervals"] = intervals
        vars(self)["snapshotting_projectors"] = {cls: cls.project for cls in intervals}
        self._mapper = mapper
        self._on_commit = on_commit
        super().__init__(env)

    def construct_mapper(self) -> Mapper[UUID]:
        return self._mapper

    def load(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A:
        if version is None and self.cache is not None:
            cached = self.cache.get(aggregate_id)
            if cached is not None:
                return self._fast_forward(cls, cached, self.cache)
        aggregate = self._reconstruct(cls, aggregate_id, version)
        if version is None and self.cache is not None:
            self.cache.put(aggregate, fresh=True)
        return aggregate

    def _fast_forward(self, cls: type[A], cached: Aggregate, cache: AggregateCache) -> A:
        """A fork of the cached state with the events recorded since folded in."""
        if not isinstance(cached, cls):
            raise NotFound(f"{cls.__name__} {cached.id} not found")
        newer = list(cast(Iterable[DomainEvent], self.events.get(cached.id, gt=cached.version)))
        aggregate = cls.project(cached.fork(), newer)
        assert aggregate is not None  # folding onto an aggregate never yields None
        if newer:
            cache.put(aggregate)
        return aggregate

    def _reconstruct(self, cls: type[A], aggregate_id: UUID, version: int | None) -> A:
        aggregate: A | None
        try:
            aggregate = self.repository.get(
                aggregate_id, version=version, projector_func=cls.project
            )
        except AggregateNotFoundError:
            raise NotFound(f"{cls.__name__} {aggregate_id} not found") from None
        except ShreddedSnapshot:  # its owner's key is gone: fold the (redacted) events instead
            events = cast(Iterable[DomainEvent], self.events.get(aggregate_id, lte=version))
            aggregate = cls.project(None, events)
        if not isinstance(aggregate, cls):
            raise NotFound(f"{cls.__name__} {aggregate_id} not found")
        return aggregate

    def exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def commit(self, *aggregates: Aggregate, actor: UUID | None = None) -> Position | None:
        """Save atomically; tell the projections (and the actor's read-your-writes mark)."""
        recordings = self.save(*aggregates)
        if not recordings:
            return None
        if self.cache is not None:
            for aggregate in aggregates:
                self.cache.put(aggregate)
        position = Position(self.name, max(r.notification.id for r in recordings), len(recordings))
        if self._on_commit is not None:
            self._on_commit(position, actor)
        return position

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0

    def originators(self, topic: str, page: int = 1000) -> Iterator[UUID]:
        """The ids of the aggregates that recorded an event of `topic`, in log order (a
        creation topic lists each aggregate once)."""
        start = 0
        while True:
            found = self.recorder.select_notifications(
                start=start, limit=page, topics=[topic], inclusive_of_start=False
            )
            for notification in found:
                originator = notification.originator_id
                yield originator if isinstance(originator, UUID) else UUID(originator)
            if len(found) < page:
                return
            start = found[-1].id


def retry_on_conflict(decide: Callable[[], T], attempts: int = 5) -> T:
    """Run a load-decide-save function again when another writer got there first."""
    for attempt in range(attempts):
        try:
            return decide()
        except IntegrityError:
            if attempt == attempts - 1:
                break
    raise Conflict("the resource was changed concurrently; please retry")


def last(positions: Sequence[Position | None]) -> Position | None:
    present = [p for p in positions if p is not None]
    return present[-1] if present else None
