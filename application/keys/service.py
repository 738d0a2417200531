"""User-provided keys (`/api/keys`, LibreChat's `updateUserKey`, `deleteUserKey`,
`getUserKeyExpiry`) and their use by chat turns on endpoints configured `user_provided`.

The value is written only into the user's events, encrypted under their data key; the read
model knows names and expiry dates only. A turn reads the value from the user's `KeyRing`
(the write side), because a secret must not be copied into read models."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

import domain.keys.events  # noqa: F401 (registers the key topics with the mapper)
from application.chat.catalog import Endpoint
from application.chat.ports import Chunk, ModelRequest, ProviderError
from application.shared.store import EventStore, Position, retry_on_conflict
from domain.keys.ring import KeyRing, check_name, ring_id
from domain.shared.errors import NotFound

# LibreChat's ErrorTypes, as the client parses them out of an error frame
NO_USER_KEY = "no_user_key"
EXPIRED_USER_KEY = "expired_user_key"
INVALID_USER_KEY = "invalid_user_key"
NO_BASE_URL = "no_base_url"


class KeyExpiries(Protocol):
    """The read model of key names and expiry dates (projections/keys/user_keys.py)."""

    def expiry(self, user_id: UUID, name: str) -> tuple[bool, datetime | None]:
        """(whether the user has a key of that name, its expiry: None for never), including
        the user's own latest writes."""
        ...


class UserKeys:
    def __init__(
        self,
        store: EventStore,
        expiries: KeyExpiries,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.expiries = expiries
        self.clock = clock

    def put(self, user_id: UUID, name: str, value: str, expires_at: datetime | None) -> Position:
        def decide() -> Position | None:
            ring = self._ring(user_id)
            ring.set(name, value, expires_at)
            return self.store.commit(ring, actor=user_id)

        position = retry_on_conflict(decide)
        assert position is not None  # a set always records
        return position

    def remove(self, user_id: UUID, name: str) -> None:
        retry_on_conflict(lambda: self._change(user_id, lambda ring: ring.remove(name)))

    def clear(self, user_id: UUID) -> None:
        retry_on_conflict(lambda: self._change(user_id, KeyRing.clear))

    def expiry(self, user_id: UUID, name: str) -> dict[str, Any]:
        """LibreChat's `getUserKeyExpiry`: `{"expiresAt": <date> | "never" | null}`; a key past
        its expiry is gone, as LibreChat's expiry index deletes it."""
        check_name(name)
        found, expires_at = self.expiries.expiry(user_id, name)
        if not found or (expires_at is not None and expires_at <= self.clock()):
            return {"expiresAt": None}
        if expires_at is None:
            return {"expiresAt": "never"}
        return {"expiresAt": expires_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")}

    def values(self, user_id: UUID, name: str) -> dict[str, str]:
        """LibreChat's `getUserKeyValues`: the stored JSON object (`apiKey`, `baseURL`), or
        a `ProviderError` whose message is the client's error type."""
        stored = self._ring(user_id).keys.get(name)
        if stored is None:
            raise ProviderError(json.dumps({"type": NO_USER_KEY}))
        if stored.expired(self.clock()):
            assert stored.expires_at is not None
            raise ProviderError(
                json.dumps(
                    {
                        "type": EXPIRED_USER_KEY,
                        "expiredAt": stored.expires_at.isoformat(),
                        "endpoint": name,
                    }
                )
            )
        try:
            values = json.loads(stored.value)
        except ValueError:
            values = None
        if not isinstance(values, dict):
            raise ProviderError(json.dumps({"type": INVALID_USER_KEY}))
        return {str(k): str(v) for k, v in values.items() if isinstance(v, str)}

    def bind(self, user_id: UUID, endpoint: Endpoint) -> Endpoint:
        """The endpoint a user's turn runs on: for a `user_provided` one, its model on the
        user's key (and URL); without a usable key, a model that fails with LibreChat's error
        (so the client shows its "set your key" message in the stream)."""
        if not endpoint.user_provide or endpoint.keyed is None:
            return endpoint
        try:
            values = self.values(user_id, endpoint.name)
            api_key = values.get("apiKey", "")
            base_url = values.get("baseURL") if endpoint.user_provide_url else None
            if not api_key:
                raise ProviderError(json.dumps({"type": NO_USER_KEY}))
            if endpoint.user_provide_url and not base_url:
                raise ProviderError(json.dumps({"type": NO_BASE_URL}))
        except ProviderError as error:
            return dataclasses.replace(endpoint, model=_Failing(error))
        return dataclasses.replace(endpoint, model=endpoint.keyed(api_key, base_url))

    def _ring(self, user_id: UUID) -> KeyRing:
        try:
            return self.store.load(KeyRing, ring_id(user_id))
        except NotFound:
            return KeyRing.create(user_id)

    def _change(self, user_id: UUID, change: Callable[[KeyRing], bool]) -> Position | None:
        ring = self._ring(user_id)
        return self.store.commit(ring, actor=user_id) if change(ring) else None


class _Failing:
    """A model that fails at once: a turn's key problem, reported as the provider's error."""

    def __init__(self, error: ProviderError) -> None:
        self._error = error

    async def stream(self, request: ModelRequest) -> AsyncIterator[Chunk]:
        raise self._error
        yield  # pragma: no cover (makes this an async generator)
