"""What the web client loads at start besides its configuration (api/config.py): roles, and
well-formed empty answers for features Chronicle does not offer yet (so the client renders)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get
from litestar.di import Provide

from api.deps import container_of, provide_user_id
from api.identity import role_permissions
from domain.identity.rules import USER
from domain.permissions.capabilities import READ_ROLES
from domain.shared.errors import NotFound

AUTH = {"user_id": Provide(provide_user_id)}


@get("/api/roles/{role_name:str}", dependencies=AUTH, sync_to_thread=True)
def role(request: Request[Any, Any, Any], user_id: UUID, role_name: str) -> Response[Any]:
    """LibreChat's rule: one's own role and the non-admin built-in roles are readable by
    anyone; any other role needs READ_ROLES, asked before whether it exists (no leak)."""
    container = container_of(request)
    try:
        own = container.identity.profile(user_id).role
    except NotFound:  # a valid token of a deleted user authenticates nobody
        return Response({"message": "Unauthorized"}, status_code=401)
    open_to_all = role_name in (own, USER)
    if not open_to_all and not container.capabilities.has(user_id, READ_ROLES):
        return Response({"message": "Unauthorized"}, status_code=403)
    document = role_permissions.document(container, role_name)
    if document is None:
        return Response({"message": "Role not found"}, status_code=404)
    return Response(document)


# Placeholders: empty answers in LibreChat's shape for features that later issues build.
@get("/api/banner")
async def banner() -> None:
    return None


@get("/api/agents/tools/web_search/auth", dependencies=AUTH)
async def web_search_auth(user_id: UUID) -> dict[str, Any]:
    return {"authenticated": False}


ROUTES = [
    role,
    banner,
    web_search_auth,
]
__all__ = ["ROUTES", "USER"]
