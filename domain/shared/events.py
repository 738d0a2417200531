"""Domain events: immutable facts with explicit, stable topics (the storage contract)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID

import msgspec

REDACTED = "[deleted]"
"""What a personal text field reads as once its subject's key has been destroyed."""


class UnknownTopic(LookupError):
    """A stored event names a topic no event class declares."""


class DomainEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every stored event.

    `TOPIC` is written with each stored event and must never change for a class; rename or
    move the class freely. Fields listed in `personal` are encrypted with the key of the user
    named by the field `subject`, so destroying that key shreds them while the rest stays
    readable. Change the shape only by adding fields with defaults, or bump `class_version`
    and add a static `upcast_vN_vN+1(state: dict) -> None`.
    """

    originator_id: UUID
    originator_version: int
    timestamp: datetime

    TOPIC: ClassVar[str] = ""
    class_version: ClassVar[int] = 1
    personal: ClassVar[tuple[str, ...]] = ()
    subject: ClassVar[str] = "originator_id"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        topic = cls.__dict__.get("TOPIC")
        if topic:
            register_topic(topic, cls)

    def subject_id(self) -> UUID:
        value = getattr(self, self.subject)
        assert isinstance(value, UUID), f"{type(self).__name__}.{self.subject} is not a UUID"
        return value


_TOPICS: dict[str, type[DomainEvent]] = {}


def register_topic(topic: str, cls: type[DomainEvent]) -> None:
    """A topic names one class for good: a second claimant fails when it is defined.

    Classes are told apart by module and qualified name, so a same-named class in another
    module cannot silently take over stored events; only the same class defined again (its
    module re-imported) replaces the entry.
    """
    existing = _TOPICS.get(topic)
    if existing is not None and _path(existing) != _path(cls):
        raise ValueError(f"topic {topic!r} is already taken by {_path(existing)}")
    _TOPICS[topic] = cls


def _path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def resolve_topic(topic: str) -> type[DomainEvent]:
    try:
        return _TOPICS[topic]
    except KeyError:
        raise UnknownTopic(topic) from None


def registered_topics() -> dict[str, type[DomainEvent]]:
    return dict(_TOPICS)


def utcnow() -> datetime:
    return datetime.now(UTC)
