"""LibreChat's `requireCapability`: 403 `{"message": "Forbidden"}` unless the caller holds
every capability the route needs (ADMIN holds all). Checked before anything is read."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from litestar import Request
from litestar.di import Provide

from api.deps import container_of, provide_user_id
from domain.permissions.capabilities import ACCESS_ADMIN
from domain.shared.errors import Forbidden

FORBIDDEN = "Forbidden"


def needs(*capabilities: str) -> dict[str, Provide]:
    """Route dependencies: `caller`, the id of a user holding `capabilities`."""

    async def caller(request: Request[Any, Any, Any]) -> UUID:
        user_id = await provide_user_id(request)
        has = container_of(request).capabilities.has
        if not await asyncio.to_thread(lambda: all(has(user_id, c) for c in capabilities)):
            raise Forbidden(FORBIDDEN)
        return user_id

    return {"caller": Provide(caller)}


def admin(*capabilities: str) -> dict[str, Provide]:
    """An admin route: `access:admin` gates the surface, `capabilities` the feature."""
    return needs(ACCESS_ADMIN, *capabilities)
