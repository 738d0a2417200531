"""LibreChat's `generateCheckAccess` for MCP_SERVERS: the caller's role must hold the flags."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from litestar import Request, Response

from api.deps import container_of
from api.identity.roles import SERVED
from domain.identity.roles import permissions
from domain.shared.errors import NotFound


async def role_flags(request: Request[Any, Any, Any], user_id: UUID, *flags: str) -> bool:
    """The caller's role's flags as `GET /api/roles/:role` answers them (admins' changes
    over LibreChat's defaults)."""
    container = container_of(request)

    def held() -> dict[str, bool]:
        try:
            role = container.identity.profile(user_id).role
        except NotFound:
            return {}
        state = container.roles.get(role)
        stored = state.permissions if state is not None else None
        return permissions(role, SERVED, stored).get("MCP_SERVERS", {})

    flags_held = await asyncio.to_thread(held)
    return all(flags_held.get(flag, False) for flag in flags)


def forbidden() -> Response[Any]:
    return Response({"message": "Forbidden: Insufficient permissions"}, status_code=403)
