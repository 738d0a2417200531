"""`GET /api/audit/resources/:type/:id/access?asOf=`: who could do what with a resource at a
time, and the grants, revokes and membership changes that led there (Chronicle's addition for
auditors; ADMIN or the `read:audit_log` capability)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Request, Response, get
from litestar.di import Provide

from api.deps import container_of, provide_user_id
from application.permissions.audit import AccessReport
from domain.permissions.capabilities import READ_AUDIT_LOG
from domain.permissions.model import is_resource_type
from domain.permissions.rules import MAX_ID


@get(
    "/api/audit/resources/{resource_type:str}/{resource_id:str}/access",
    dependencies={"user_id": Provide(provide_user_id)},
    sync_to_thread=True,
)
def resource_access(
    request: Request[Any, Any, Any], user_id: UUID, resource_type: str, resource_id: str
) -> Response[Any]:
    container = container_of(request)
    if not container.capabilities.has(user_id, READ_AUDIT_LOG):
        return _bad(403, "Forbidden", "Insufficient permissions")
    if not is_resource_type(resource_type):
        return _bad(400, "Bad Request", f"Unsupported resource type: {resource_type}")
    if not resource_id or len(resource_id) > MAX_ID or "\x00" in resource_id:
        return _bad(400, "Bad Request", f"Invalid resource ID: {resource_id[:MAX_ID]}")
    as_of = parse_as_of(request.query_params.get("asOf"))
    if as_of is None:
        return _bad(400, "Bad Request", "Invalid asOf: expected an ISO 8601 date-time")
    report = container.access_audit.access(resource_type, resource_id, as_of)
    return Response(report_json(report))


def parse_as_of(raw: str | None) -> datetime | None:
    """Now when absent; a naive time is UTC; None when it is not a date-time."""
    if raw is None or raw == "":
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def report_json(report: AccessReport) -> dict[str, Any]:
    """camelCase, times as ISO 8601 with milliseconds and Z (as every Chronicle time)."""
    document: dict[str, Any] = _camel(msgspec.to_builtins(report))
    return document


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {_camel_key(k): _camel(v) for k, v in value.items() if v is not None or k == "by"}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _camel_key(key: str) -> str:
    if "-" in key or key.count("_") == 0:
        return key
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def _bad(status: int, error: str, message: str) -> Response[Any]:
    return Response({"error": error, "message": message}, status_code=status)


ROUTES = [resource_access]
