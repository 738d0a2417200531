"""`/api/keys`: a user's own provider keys (LibreChat's api/server/routes/keys.js).

PUT stores (201, no body), GET `?name=` answers `{"expiresAt": <date> | "never" | null}`,
DELETE `/:name` and DELETE `?all=true` remove (204). Only the caller's own keys are ever
named: a key is found by (user, name), so another user's keys cannot be reached."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import anyio
import msgspec
from litestar import Request, Response, delete, get, put
from litestar.di import Provide

from api.deps import container_of, provide_user_id
from api.strict import decode
from domain.keys.ring import MAX_NAME, MAX_VALUE
from domain.shared.errors import Invalid

AUTH = {"user_id": Provide(provide_user_id)}
# These handlers are async and run their work in a thread: Litestar 2 answers sync_to_thread
# handlers that share a path with other methods' handlers with a coroutine (a 500).
# JavaScript's Date range: ±8.64e15 ms around the epoch
MAX_MS = 8_640_000_000_000_000


class KeyBody(msgspec.Struct, kw_only=True):
    name: str
    value: str
    # the client sends epoch milliseconds (`Date.now() + …`) or null for never; a date
    # string is accepted as `new Date(expiresAt)` accepts one
    expiresAt: int | float | str | None = None


@put("/api/keys", dependencies=AUTH, status_code=201)
async def put_key(request: Request[Any, Any, Any], user_id: UUID, body: bytes) -> Response[Any]:
    try:
        data = decode(body, KeyBody)
    except Invalid as error:
        return _bad(str(error))
    if not data.name.strip() or len(data.name) > MAX_NAME:
        return _bad(f"name must be 1 to {MAX_NAME} characters")
    if not data.value or len(data.value) > MAX_VALUE:
        return _bad(f"value must be 1 to {MAX_VALUE} characters")
    try:
        expires_at = _expiry(data.expiresAt)
    except ValueError:
        return _bad("Invalid expiresAt: a date or milliseconds since 1970")
    keys = container_of(request).keys
    await anyio.to_thread.run_sync(keys.put, user_id, data.name, data.value, expires_at)
    return Response(b"", status_code=201)


@get("/api/keys", dependencies=AUTH)
async def key_expiry(request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
    name = request.query_params.get("name")
    if not name:  # LibreChat's client always names the key it asks about
        return Response({"expiresAt": None})
    if len(name) > MAX_NAME or "\x00" in name:
        return _bad(f"name must be 1 to {MAX_NAME} characters")
    keys = container_of(request).keys
    return Response(await anyio.to_thread.run_sync(keys.expiry, user_id, name))


@delete("/api/keys/{name:str}", dependencies=AUTH, status_code=204)
async def delete_key(request: Request[Any, Any, Any], user_id: UUID, name: str) -> None:
    if 0 < len(name) <= MAX_NAME:
        await anyio.to_thread.run_sync(container_of(request).keys.remove, user_id, name)


@delete("/api/keys", dependencies=AUTH, status_code=200)
async def delete_keys(request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
    if request.query_params.get("all") != "true":
        return _bad("Specify either all=true to delete.")
    await anyio.to_thread.run_sync(container_of(request).keys.clear, user_id)
    return Response(None, status_code=204)


def _expiry(value: int | float | str | None) -> datetime | None:
    """LibreChat's `expiresAt ? new Date(expiresAt) : unset`: 0, "" and null mean never."""
    if value is None or value == 0 or value == "":
        return None
    if isinstance(value, str):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        try:  # stored in UTC: SQLite keeps no zone
            return moment.astimezone(UTC)
        except OverflowError:
            raise ValueError(value) from None
    if not -MAX_MS <= value <= MAX_MS or value != value:  # out of Date's range, or NaN
        raise ValueError(value)
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError):
        raise ValueError(value) from None


def _bad(message: str) -> Response[Any]:
    return Response({"error": message}, status_code=400)


ROUTES = [put_key, key_expiry, delete_key, delete_keys]
