"""`PUT /api/roles/:roleName/<type>`: an admin sets some flags of one permission type on a
role (LibreChat's `roles.js`: MANAGE_ROLES, a partial body merged over the current flags,
the updated role answered). The response, like `GET /api/roles/:roleName`, shows what the role
grants here: a flag of a feature Chronicle does not serve is stored but reads false
(domain/identity/roles.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Request, Response, put
from litestar.exceptions import ValidationException
from litestar.params import JSONBody

from api.admin.guards import needs
from api.deps import container_of
from api.errors import validation_reason
from api.identity.roles import SERVED
from application.bootstrap import Container
from domain.identity.role import validate_name_param
from domain.identity.roles import FLAGS, role_document
from domain.permissions.capabilities import MANAGE_ROLES
from domain.shared.errors import Invalid

# route segment -> (permission type, LibreChat's error message)
TYPES = {
    "prompts": ("PROMPTS", "Invalid prompt permissions."),
    "agents": ("AGENTS", "Invalid agent permissions."),
    "memories": ("MEMORIES", "Invalid memory permissions."),
    "people-picker": ("PEOPLE_PICKER", "Invalid people picker permissions."),
    "mcp-servers": ("MCP_SERVERS", "Invalid MCP servers permissions."),
    "marketplace": ("MARKETPLACE", "Invalid marketplace permissions."),
    "remote-agents": ("REMOTE_AGENTS", "Invalid remote agents permissions."),
    "skills": ("SKILLS", "Invalid skill permissions."),
}


def document(container: Container, name: str) -> dict[str, Any] | None:
    """The role as the client reads it, None when there is no such role."""
    state = container.roles.get(name)
    if state is None:
        return None
    return role_document(name, SERVED, state.permissions, state.description)


def _body_of(kind: str) -> type[msgspec.Struct]:
    """The type's flags, each optional (LibreChat's schema `.partial()`; unknown keys dropped)."""
    fields = [(flag, bool | None, None) for flag in FLAGS[kind]]
    return msgspec.defstruct(f"{kind.title()}Flags", fields, kw_only=True)


def _route(segment: str, kind: str, error: str) -> Any:
    body = _body_of(kind)

    def refused(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
        return Response({"message": error, "error": validation_reason(exc)}, status_code=400)

    def update(
        request: Request[Any, Any, Any], caller: UUID, role_name: str, data: Any
    ) -> Response[Any]:
        try:
            validate_name_param(role_name)
        except Invalid:
            return Response({"message": error}, status_code=400)
        container = container_of(request)
        if container.roles.get(role_name) is None:
            return Response({"message": "Role not found"}, status_code=404)
        flags = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not None}
        container.roles.update_permissions(role_name, {kind: flags}, caller)
        return Response(document(container, role_name))

    update.__annotations__["data"] = JSONBody[body]  # type: ignore[valid-type,misc]
    return put(
        f"/api/roles/{{role_name:str}}/{segment}",
        dependencies=needs(MANAGE_ROLES),
        exception_handlers={ValidationException: refused},
        sync_to_thread=True,
        status_code=200,
        name=f"role-permissions-{segment}",
    )(update)


ROUTES = [_route(segment, kind, error) for segment, (kind, error) in TYPES.items()]
