"""User-provided key events (LibreChat's `Key` documents as facts). Topics are the storage
contract: never change one.

The key's value is personal (`personal = ("value",)`): it is encrypted under its owner's data
key, so deleting the user shreds every key they ever stored, in every past event too."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.shared.events import DomainEvent


class KeyEvent(DomainEvent, frozen=True, kw_only=True):
    subject = "user_id"
    user_id: UUID


class UserKeySet(KeyEvent, frozen=True, kw_only=True):
    """A key stored or replaced (`PUT /api/keys`); no `expires_at` means it never expires."""

    TOPIC = "keys.UserKeySet"
    personal = ("value",)
    name: str
    value: str
    expires_at: datetime | None = None


class UserKeyRemoved(KeyEvent, frozen=True, kw_only=True):
    """`DELETE /api/keys/:name`."""

    TOPIC = "keys.UserKeyRemoved"
    name: str


class UserKeysCleared(KeyEvent, frozen=True, kw_only=True):
    """`DELETE /api/keys?all=true`."""

    TOPIC = "keys.UserKeysCleared"
