"""Memory events. The user is the data subject of each: keys and values are encrypted under the
user's key, so deleting the account shreds them while counts remain."""

from __future__ import annotations

from uuid import UUID

from domain.shared.events import DomainEvent


class MemoryEvent(DomainEvent, frozen=True, kw_only=True):
    subject = "user_id"
    user_id: UUID


class MemoryBookOpened(MemoryEvent, frozen=True, kw_only=True):
    """The user's first memory command: their book of memories exists from here on."""

    TOPIC = "memories.MemoryBookOpened"


class MemoryCreated(MemoryEvent, frozen=True, kw_only=True):
    TOPIC = "memories.MemoryCreated"
    personal = ("key", "value")
    key: str
    value: str
    token_count: int


class MemoryUpdated(MemoryEvent, frozen=True, kw_only=True):
    """A new value, and a new key when `new_key` differs from `key` (a rename)."""

    TOPIC = "memories.MemoryUpdated"
    personal = ("key", "new_key", "value")
    key: str
    new_key: str
    value: str
    token_count: int


class MemoryDeleted(MemoryEvent, frozen=True, kw_only=True):
    TOPIC = "memories.MemoryDeleted"
    personal = ("key",)
    key: str


class MemoryPreferenceChanged(MemoryEvent, frozen=True, kw_only=True):
    """LibreChat's `personalization.memories`: whether memories reach the model."""

    TOPIC = "memories.MemoryPreferenceChanged"
    enabled: bool
