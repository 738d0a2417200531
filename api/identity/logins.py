"""`GET /api/audit/users/:userId/logins?from=&to=`: a user's sign-in history for auditors
(Chronicle's addition; ADMIN or the `read:audit_log` capability), folded from the identity
events, so what it shows is what the hash chain verifies."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, Response, get
from litestar.di import Provide

from api.conversations.presenters import iso
from api.deps import container_of, provide_user_id
from api.permissions.audit import parse_as_of
from application.admin.logins import Login
from domain.permissions.capabilities import READ_AUDIT_LOG
from domain.shared.errors import NotFound


@get(
    "/api/audit/users/{subject:str}/logins",
    dependencies={"user_id": Provide(provide_user_id)},
    sync_to_thread=True,
)
def user_logins(request: Request[Any, Any, Any], user_id: UUID, subject: str) -> Response[Any]:
    container = container_of(request)
    if not container.capabilities.has(user_id, READ_AUDIT_LOG):
        return _bad(403, "Forbidden", "Insufficient permissions")
    try:
        audited = UUID(subject)
    except ValueError:
        return _bad(400, "Bad Request", "Invalid user ID")
    bounds: list[datetime | None] = []
    for name in ("from", "to"):
        raw = request.query_params.get(name)
        moment = parse_as_of(raw) if raw else None
        if raw and moment is None:
            return _bad(400, "Bad Request", f"Invalid {name}: expected an ISO 8601 date-time")
        bounds.append(moment)
    try:
        container.identity.profile(audited)
        deleted = False
    except NotFound:  # a deleted user's history stays, with its personal fields shredded
        deleted = True
    logins = container.logins.of(audited, bounds[0], bounds[1])
    if not logins and deleted:
        return _bad(404, "Not Found", "User not found")
    return Response(
        {
            "userId": str(audited),
            "from": iso(bounds[0]) if bounds[0] else None,
            "to": iso(bounds[1]) if bounds[1] else None,
            "logins": [_login(login) for login in logins],
        }
    )


def _login(login: Login) -> dict[str, Any]:
    return {
        "at": iso(login.at),
        "outcome": login.outcome,
        "sessionId": str(login.session_id) if login.session_id else None,
        "ip": login.ip or None,
        "userAgent": login.user_agent or None,
        "reason": login.reason or None,
        "seq": login.seq,
    }


def _bad(status: int, error: str, message: str) -> Response[Any]:
    return Response({"error": error, "message": message}, status_code=status)


ROUTES = [user_logins]
