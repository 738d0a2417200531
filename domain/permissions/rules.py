"""Value rules of the sharing context: what a principal, a resource id or a group may hold.
Read models store these values, so they are refused here, before anything is recorded."""

from __future__ import annotations

from uuid import UUID

from domain.permissions.model import Principal, PrincipalType, is_resource_type
from domain.shared.errors import Invalid

MAX_ID = 128
MAX_ROLE_NAME = 64
MAX_NAME = 200
MAX_DESCRIPTION = 2000
MAX_EMAIL = 320
MAX_AVATAR = 2048
SOURCES = ("local", "entra")


def clean(value: str, field: str, limit: int) -> str:
    """A stored text: at most `limit` characters, no NUL (PostgreSQL refuses it)."""
    if "\x00" in value:
        raise Invalid(f"Invalid {field}: must not contain NUL characters")
    if len(value) > limit:
        raise Invalid(f"Invalid {field}: at most {limit} characters")
    return value


def check_resource(resource_type: str, resource_id: str) -> None:
    if not is_resource_type(resource_type):
        raise Invalid(f"Invalid resourceType: {resource_type}")
    if not resource_id or not resource_id.strip():
        raise Invalid(f"Invalid resource ID: {resource_id}")
    clean(resource_id, "resource ID", MAX_ID)


def check_principal(principal: Principal) -> None:
    """LibreChat's grantPermission checks: a known type; an id for all but public; users and
    groups by id (here UUIDs), roles by a non-empty name."""
    kind = principal.type
    if kind not in {t.value for t in PrincipalType}:
        raise Invalid(f"Invalid principal type: {kind}")
    if kind == PrincipalType.PUBLIC:
        if principal.id is not None:
            raise Invalid("Public principals have no ID")
        return
    if not principal.id:
        raise Invalid("Principal ID is required for user, group, and role principals")
    if kind == PrincipalType.ROLE:
        if not principal.id.strip():
            raise Invalid(f"Invalid role ID: {principal.id}")
        clean(principal.id, "role ID", MAX_ROLE_NAME)
        return
    try:
        UUID(principal.id)
    except ValueError:
        raise Invalid(f"Invalid principal ID: {principal.id}") from None


def group_name(name: str) -> str:
    if not name or not name.strip():
        raise Invalid("Group name is required")
    return clean(name.strip(), "name", MAX_NAME)


def optional(value: str | None, field: str, limit: int) -> str | None:
    return None if value is None else clean(value, field, limit)


def source(value: str, id_on_the_source: str | None) -> str:
    if value not in SOURCES:
        raise Invalid(f"Invalid source: {value}")
    if value != "local" and not id_on_the_source:
        raise Invalid("idOnTheSource is required for groups that are not local")
    return value
