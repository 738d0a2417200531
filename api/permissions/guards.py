"""LibreChat's guards of the permission routes, in its words: the resource-type check of
`checkResourcePermissionAccess`, `canAccessResource`, the role checks `checkShareAccess` /
`checkSharePublicAccess`, and `checkPeoplePickerAccess`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Response

from api.identity.roles import SERVED
from application.bootstrap import Container
from domain.identity.roles import permissions
from domain.permissions.model import is_resource_type
from domain.shared.errors import Forbidden, NotFound

# the role permission type that gates sharing each resource type (`resourceToPermissionType`)
PERMISSION_TYPE = {
    "agent": "AGENTS",
    "promptGroup": "PROMPTS",
    "mcpServer": "MCP_SERVERS",
    "remoteAgent": "REMOTE_AGENTS",
    "skill": "SKILLS",
    "sharedLink": "SHARED_LINKS",
}


class Refused(Exception):
    """A guard's answer: the response LibreChat sends."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("message") or body.get("error"))
        self.response = Response(body, status_code=status)


def _refuse(status: int, error: str, message: str) -> Refused:
    return Refused(status, {"error": error, "message": message})


def role_flags(container: Container, user_id: UUID) -> dict[str, dict[str, bool]]:
    """The user's role permissions as `GET /api/roles/:roleName` serves them."""
    return permissions(container.identity.profile(user_id).role, SERVED)


def supported(resource_type: str) -> None:
    if not is_resource_type(resource_type):
        raise _refuse(400, "Bad Request", f"Unsupported resource type: {resource_type}")


def resource_access(
    container: Container, user_id: UUID, resource_type: str, resource_id: str, bits: int
) -> None:
    """`canAccessResource`: the bits on the resource, or the type's manage capability."""
    supported(resource_type)
    try:
        container.permissions.require(user_id, resource_type, resource_id, bits)
    except NotFound as error:
        raise _refuse(404, "Not Found", str(error)) from None
    except Forbidden as error:
        raise _refuse(403, "Forbidden", str(error)) from None


def share_policy(
    container: Container, user_id: UUID, resource_type: str, makes_public: bool
) -> None:
    """The role must allow SHARE (and SHARE_PUBLIC to involve public) for the type, unless
    the user holds the type's manage capability (public still needs the role flag)."""
    kind = PERMISSION_TYPE[resource_type]
    flags = role_flags(container, user_id).get(kind, {})
    if not container.permissions.bypasses(user_id, resource_type) and not flags.get("SHARE"):
        raise _refuse(
            403, "Forbidden", f"You do not have permission to share {resource_type} resources"
        )
    if makes_public and not flags.get("SHARE_PUBLIC"):
        raise _refuse(
            403,
            "Forbidden",
            f"You do not have permission to share {resource_type} resources publicly",
        )


PICKER = {
    "user": ("VIEW_USERS", "Insufficient permissions to search for users"),
    "group": ("VIEW_GROUPS", "Insufficient permissions to search for groups"),
    "role": ("VIEW_ROLES", "Insufficient permissions to search for roles"),
}


def people_picker(container: Container, user_id: UUID, requested: list[str]) -> None:
    flags = role_flags(container, user_id).get("PEOPLE_PICKER", {})
    for kind in requested:
        flag, message = PICKER[kind]
        if not flags.get(flag):
            raise _refuse(403, "Forbidden", message)
    if not requested and not any(flags.get(flag) for flag, _ in PICKER.values()):
        raise _refuse(
            403, "Forbidden", "Insufficient permissions to search for users, groups, or roles"
        )
