"""The KeyRing aggregate: one user's provider keys, by name (LibreChat names a key after the
endpoint it is for).

Invariants: at most one key per name; a name and a value are non-empty text a read model and
an HTTP header can carry (bounded, no NUL); removing what is not there records nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.keys.events import UserKeyRemoved, UserKeysCleared, UserKeySet
from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import Invalid

MAX_NAME = 256
MAX_VALUE = 16_384
# derives a ring's id from its owner's: one ring per user, found without an index
RINGS = UUID("8f3c1a52-6d0e-4b7a-9c21-5e4f3a2b1c0d")


def ring_id(user_id: UUID) -> UUID:
    return uuid.uuid5(RINGS, str(user_id))


@dataclass(frozen=True)
class StoredKey:
    value: str
    expires_at: datetime | None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


class KeyRing(Aggregate):
    user_id: UUID
    keys: dict[str, StoredKey]

    @classmethod
    def create(cls, user_id: UUID) -> KeyRing:
        ring = cls(ring_id(user_id))
        ring.user_id, ring.keys = user_id, {}
        return ring

    def set(self, name: str, value: str, expires_at: datetime | None) -> None:
        self._record(
            UserKeySet,
            user_id=self.user_id,
            name=check_name(name),
            value=_check("value", value, MAX_VALUE),
            expires_at=expires_at,
        )

    def remove(self, name: str) -> bool:
        if name not in self.keys:
            return False
        self._record(UserKeyRemoved, user_id=self.user_id, name=name)
        return True

    def clear(self) -> bool:
        if not self.keys:
            return False
        self._record(UserKeysCleared, user_id=self.user_id)
        return True

    @applies(UserKeySet)
    def _set(self, event: UserKeySet) -> None:
        self._own(event.user_id)
        self.keys[event.name] = StoredKey(event.value, event.expires_at)

    @applies(UserKeyRemoved)
    def _removed(self, event: UserKeyRemoved) -> None:
        self._own(event.user_id)
        self.keys.pop(event.name, None)

    @applies(UserKeysCleared)
    def _cleared(self, event: UserKeysCleared) -> None:
        self._own(event.user_id)
        self.keys.clear()

    def _own(self, user_id: UUID) -> None:
        """A ring rebuilt from events starts with its first one."""
        if not hasattr(self, "keys"):
            self.user_id, self.keys = user_id, {}


def check_name(name: object) -> str:
    return _check("name", name, MAX_NAME)


def _check(field: str, value: object, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{field} is required")
    if len(value) > limit:
        raise Invalid(f"{field} must be at most {limit} characters")
    if "\x00" in value:
        raise Invalid(f"{field} must not contain NUL characters")
    return value
