"""Aggregate base: decide with methods, record with events, rebuild by folding events."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, ClassVar, Self, TypeVar, get_origin, get_type_hints
from uuid import UUID

import msgspec

from domain.shared.events import DomainEvent, utcnow

E = TypeVar("E", bound=DomainEvent)
Applier = Callable[[Any, Any], None]


def applies(event_class: type[DomainEvent]) -> Callable[[Callable[[Any, E], None]], Applier]:
    """Mark an aggregate method as the one that folds `event_class` into state."""

    def mark(method: Callable[[Any, E], None]) -> Applier:
        method.__applies__ = event_class  # type: ignore[attr-defined]
        return method

    return mark


class Aggregate:
    """A consistency boundary whose state is the fold of its events.

    Subclasses mark one method per event with `@applies(Event)`. Command methods check
    invariants and call `_record(Event, **fields)`; nothing else mutates state, so replaying
    the events always rebuilds the same object.
    """

    _appliers: ClassVar[dict[type[DomainEvent], Applier]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        appliers = dict(cls._appliers)
        for member in vars(cls).values():
            event_class = getattr(member, "__applies__", None)
            if event_class is not None:
                appliers[event_class] = member
        cls._appliers = appliers

    def __init__(self, id: UUID) -> None:
        self.id = id
        self.version = 0
        self._pending: list[DomainEvent] = []

    def _record(self, event_class: type[E], **fields: Any) -> E:
        event = event_class(
            originator_id=self.id,
            originator_version=self.version + 1,
            timestamp=self._now(),
            **fields,
        )
        self._apply(event)
        self._pending.append(event)
        return event

    def _now(self) -> datetime:
        """The time a new event records."""
        return utcnow()

    def _apply(self, event: DomainEvent) -> None:
        try:
            applier = self._appliers[type(event)]
        except KeyError:
            raise TypeError(f"{type(self).__name__} cannot apply {type(event).__name__}") from None
        applier(self, event)
        self.version = event.originator_version

    def collect_events(self) -> list[DomainEvent]:
        pending, self._pending = self._pending, []
        return pending

    @property
    def pending_events(self) -> list[DomainEvent]:
        return list(self._pending)

    def fork(self) -> Self:
        """An independent copy with no pending events: what a cache hands out, so that a
        command deciding on one copy never changes another. Subclasses whose appliers only
        replace values (never mutate them in place) override this with a cheaper copy."""
        twin = copy.deepcopy(self)
        twin._pending = []
        return twin

    @classmethod
    def project(cls, aggregate: Self | None, events: Iterable[DomainEvent]) -> Self | None:
        """Fold stored events (optionally starting from a snapshot) into an aggregate."""
        for event in events:
            if isinstance(event, Snapshot):
                aggregate = cls.restore(event)
                continue
            if aggregate is None:
                aggregate = cls.__new__(cls)
                Aggregate.__init__(aggregate, event.originator_id)
            aggregate._apply(event)
        return aggregate

    # ----------------------------------------------------------- snapshots
    def owner_id(self) -> UUID:
        """The data subject whose key encrypts this aggregate's snapshots."""
        owner = getattr(self, "user_id", self.id)
        assert isinstance(owner, UUID)
        return owner

    def snapshot_state(self) -> dict[str, Any]:
        return {
            name: msgspec.to_builtins(getattr(self, name))
            for name in _state_fields(type(self))
            if hasattr(self, name)
        }

    @classmethod
    def restore(cls, snapshot: Snapshot) -> Self:
        if snapshot.state is None:
            raise ShreddedSnapshot(f"snapshot of {snapshot.originator_id} is shredded")
        aggregate = cls.__new__(cls)
        Aggregate.__init__(aggregate, snapshot.originator_id)
        hints = _state_fields(cls)
        for name, value in snapshot.state.items():
            if name in hints:
                setattr(aggregate, name, msgspec.convert(value, hints[name], strict=False))
        aggregate.version = snapshot.originator_version
        return aggregate


class ShreddedSnapshot(ValueError):
    """The snapshot's owner was shredded: the aggregate must be folded from its events."""


def _state_fields(cls: type[Aggregate]) -> dict[str, Any]:
    """The annotated attributes of an aggregate class: what a snapshot carries."""
    return {
        name: hint
        for name, hint in get_type_hints(cls).items()
        if not name.startswith("_")
        and name not in ("id", "version")
        and get_origin(hint) is not ClassVar
    }


class Snapshot(DomainEvent, frozen=True, kw_only=True):
    """An aggregate's state at a version, encrypted as a whole under its owner's key (it
    holds the same personal data as the events it summarises)."""

    TOPIC = "shared.Snapshot"
    personal = ("state",)
    subject = "owner"
    owner: UUID
    state: dict[str, Any] | None

    @classmethod
    def take(cls, aggregate: Aggregate) -> Snapshot:
        return cls(
            originator_id=aggregate.id,
            originator_version=aggregate.version,
            timestamp=utcnow(),
            owner=aggregate.owner_id(),
            state=aggregate.snapshot_state(),
        )
