"""Route guards for LibreChat's limiters and its checkBan, in the order LibreChat runs them.

A guard that refuses raises `Refused`, answered with LibreChat's body (429 over a limit, 403
while banned). Guards of authenticated routes do nothing without a valid token: the route's
own 401 comes first, as behind LibreChat's requireJwtAuth."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from anyio import to_thread
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from application.bootstrap import Container
from application.chat.service import PROTOCOL
from application.identity.abuse import AbusePolicy, Refusal

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


class Refused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.body.get("message", ""))
        self.refusal = refusal


def refused(_: Request[Any, Any, Any], error: Refused) -> Response[Any]:
    return Response(error.refusal.body, status_code=error.refusal.status)


HANDLERS: dict[int | type[Exception], Callable[[Request[Any, Any, Any], Any], Response[Any]]] = {
    Refused: refused
}


def client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return connection.client.host if connection.client else ""


def _user_id(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The bearer token's user id, or None: the route itself answers 401 then."""
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        return str(_container(connection).tokens.read_access(token.strip())["id"])
    except Exception:
        return None


def _container(connection: ASGIConnection[Any, Any, Any, Any]) -> Container:
    container: Container = connection.app.state.container
    return container


def _policy(connection: ASGIConnection[Any, Any, Any, Any]) -> AbusePolicy:
    return _container(connection).abuse


async def _enforce(check: Callable[[], Refusal | None]) -> None:
    # the store may be Redis: keep its round trip off the event loop
    refusal = await to_thread.run_sync(check)
    if refusal is not None:
        raise Refused(refusal)


def limit(name: str, *, authenticated: bool = False, enabled: str = "") -> Guard:
    """A guard for one of LibreChat's limiters; `enabled` names the setting that switches it
    on (LIMIT_MESSAGE_IP, LIMIT_MESSAGE_USER), if it has one."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        policy = _policy(connection)
        if enabled and not getattr(policy.settings, enabled):
            return
        user_id = _user_id(connection)
        if authenticated and user_id is None:
            return
        await _enforce(lambda: policy.check(name, client_ip(connection), user_id))

    return guard


async def check_ban(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """LibreChat's checkBan, by IP and by the token's user."""
    policy = _policy(connection)
    if not policy.settings.ban_violations:
        return  # no store round trip at all while bans are off
    user_id = _user_id(connection)
    await _enforce(lambda: policy.banned(client_ip(connection), user_id))


async def concurrent(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """LIMIT_CONCURRENT_MESSAGES, counted from the user's running generations (the stream
    bus: every process's). Two starts racing may both pass; the next one is refused."""
    container = _container(connection)
    user_id = _user_id(connection)
    if not container.settings.limit_concurrent_messages or user_id is None:
        return
    running = len(await container.chat.active(UUID(user_id)))
    ip = client_ip(connection)
    refusal = await to_thread.run_sync(lambda: container.abuse.concurrent(user_id, ip, running))
    if refusal is not None:  # sent as LibreChat's sendGenerationJson does
        body = {**refusal.body, "generationProtocolVersion": PROTOCOL}
        raise Refused(Refusal(refusal.status, body))


LOGIN = [limit("login_limiter"), check_ban]
REGISTER = [limit("register_limiter"), check_ban]
MESSAGE = [
    check_ban,
    limit("message_ip_limiter", authenticated=True, enabled="limit_message_ip"),
    limit("message_user_limiter", authenticated=True, enabled="limit_message_user"),
    concurrent,
]
IMPORT = [
    limit("import_ip_limiter", authenticated=True),
    limit("import_user_limiter", authenticated=True),
]
FORK = [
    limit("fork_ip_limiter", authenticated=True),
    limit("fork_user_limiter", authenticated=True),
]
