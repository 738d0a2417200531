"""LibreChat's access vocabulary as data: principals, resource types, bits and access roles
(`packages/data-provider/src/accessPermissions.ts`,
`packages/data-schemas/src/methods/accessRole.ts`).

Access roles are not stored: LibreChat seeds the same fixed set into every deployment, so here
they are constants, and an ACL entry records the role id and the bits it granted."""

from __future__ import annotations

from enum import IntFlag, StrEnum

import msgspec


class PrincipalType(StrEnum):
    USER = "user"
    GROUP = "group"
    PUBLIC = "public"
    ROLE = "role"


class ResourceType(StrEnum):
    AGENT = "agent"
    PROMPTGROUP = "promptGroup"
    MCPSERVER = "mcpServer"
    REMOTE_AGENT = "remoteAgent"
    SKILL = "skill"
    SHARED_LINK = "sharedLink"


class PermissionBits(IntFlag):
    VIEW = 1
    EDIT = 2
    DELETE = 4
    SHARE = 8


class RoleBits:
    """LibreChat's `RoleBits` (`packages/data-schemas/src/common/enum.ts`)."""

    VIEWER = 1
    EDITOR = 3
    MANAGER = 7
    OWNER = 15


ALL_BITS = 15
RESOURCE_TYPES = tuple(t.value for t in ResourceType)


class AccessRole(msgspec.Struct, frozen=True, kw_only=True):
    access_role_id: str
    name: str
    description: str
    resource_type: str
    perm_bits: int


def _role(access_role_id: str, resource_type: str, level: str, prefix: str = "") -> AccessRole:
    bits = {"viewer": RoleBits.VIEWER, "editor": RoleBits.EDITOR, "owner": RoleBits.OWNER}[level]
    name = f"com_ui_{prefix}role_{level}"
    return AccessRole(
        access_role_id=access_role_id,
        name=name,
        description=f"{name}_desc",
        resource_type=resource_type,
        perm_bits=bits,
    )


def _three(resource_type: str, prefix: str = "") -> list[AccessRole]:
    return [
        _role(f"{resource_type}_{level}", resource_type, level, prefix)
        for level in ("viewer", "editor", "owner")
    ]


# LibreChat's seedDefaultRoles, in its order.
ACCESS_ROLES: tuple[AccessRole, ...] = (
    *_three(ResourceType.AGENT),
    *_three(ResourceType.PROMPTGROUP),
    *_three(ResourceType.MCPSERVER, "mcp_server_"),
    *_three(ResourceType.REMOTE_AGENT, "remote_agent_"),
    *_three(ResourceType.SKILL),
    _role("sharedLink_viewer", ResourceType.SHARED_LINK, "viewer"),
    _role("sharedLink_owner", ResourceType.SHARED_LINK, "owner"),
)
_BY_ID = {role.access_role_id: role for role in ACCESS_ROLES}


def access_role(access_role_id: str) -> AccessRole | None:
    return _BY_ID.get(access_role_id)


def roles_for(resource_type: str) -> list[AccessRole]:
    return [role for role in ACCESS_ROLES if role.resource_type == resource_type]


def owner_role(resource_type: str) -> AccessRole:
    """The role a resource's creator receives (`<type>_owner`)."""
    role = _BY_ID.get(f"{resource_type}_owner")
    if role is None:
        raise ValueError(f"no owner role for {resource_type}")
    return role


def is_resource_type(value: str) -> bool:
    return value in RESOURCE_TYPES


class Principal(msgspec.Struct, frozen=True):
    """Who an entry or a grant names: a user or group by id, a role by name, or everyone
    (`public`, no id)."""

    type: str
    id: str | None = None

    @property
    def key(self) -> str:
        return f"{self.type}:{self.id or ''}"

    @classmethod
    def user(cls, user_id: object) -> Principal:
        return cls(PrincipalType.USER.value, str(user_id))

    @classmethod
    def group(cls, group_id: object) -> Principal:
        return cls(PrincipalType.GROUP.value, str(group_id))

    @classmethod
    def role(cls, name: str) -> Principal:
        return cls(PrincipalType.ROLE.value, name)

    @classmethod
    def public(cls) -> Principal:
        return cls(PrincipalType.PUBLIC.value, None)


def principals_of(user_id: object, role: str | None, groups: list[str]) -> list[Principal]:
    """A user's principals as LibreChat's `getUserPrincipals` lists them: the user, their role,
    each group they are a member of, and public."""
    found = [Principal.user(user_id)]
    if role:
        found.append(Principal.role(role))
    found += [Principal.group(g) for g in groups]
    found.append(Principal.public())
    return found
