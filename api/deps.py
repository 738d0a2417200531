"""Request-scoped dependencies: the container, and the authenticated user's id."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request
from litestar.exceptions import NotAuthorizedException

from application.bootstrap import Container


def container_of(request: Request[Any, Any, Any]) -> Container:
    container: Container = request.app.state.container
    return container


def bearer_user_id(request: Request[Any, Any, Any]) -> UUID:
    """The id in a valid access token (`Authorization: Bearer <jwt>`), else 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException("Unauthorized")
    try:
        claims = container_of(request).tokens.read_access(token.strip())
        return UUID(str(claims["id"]))
    except Exception:
        raise NotAuthorizedException("Unauthorized") from None


async def provide_user_id(request: Request[Any, Any, Any]) -> UUID:
    """A valid token of an account that is neither deleted nor banned, else 401."""
    user_id = bearer_user_id(request)
    if await container_of(request).revocations.is_revoked_async(user_id):
        raise NotAuthorizedException("Unauthorized")
    return user_id
