"""One eventsourcing Application per bounded context: its own events table and lock."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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

CONTEXTS = ("identity", "conversations", "sharing", "billing", "agents")


@dataclass(frozen=True)
class Position:
    """Where a command's last event landed in its context's notification log."""

    context: str
    notification_id: int
    events: int = 1


CommitHook = Callable[[Position, UUID | None], None]


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
    ) -> None:
        """`snapshot_every`: take a snapshot of these aggregates every N versions."""
        self.name = name
        intervals: dict[Any, int] = dict(snapshot_every or {})
        vars(self)["snapshotting_intervals"] = intervals
        vars(self)["snapshotting_projectors"] = {cls: cls.project for cls in intervals}
        self._mapper = mapper
        self._on_commit = on_commit
        super().__init__(env)

    def construct_mapper(self) -> Mapper[UUID]:
        return self._mapper

    def load(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A:
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
        position = Position(self.name, max(r.notification.id for r in recordings), len(recordings))
        if self._on_commit is not None:
            self._on_commit(position, actor)
        return position

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0


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
