"""Queries of the permissions read model (what guards, lists and the people picker read)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.permissions.model import Principal, PrincipalType
from projections.permissions.effective import PermissionsProjection

T = PermissionsProjection().views()
ENTRIES = T["acl_entries"]
GROUPS = T["acl_groups"]
MEMBERS = T["acl_group_members"]
USERS = T["acl_users"]
EFFECTIVE = T["effective_permissions"]
PUBLIC = T["public_permissions"]
GRANTS = T["capability_grants"]


def role_of(conn: sa.Connection, user_id: UUID) -> str | None:
    row = conn.execute(sa.select(USERS.c.role).where(USERS.c.user_id == str(user_id))).first()
    return row.role if row is not None else None


def groups_of(conn: sa.Connection, user_id: UUID) -> list[str]:
    query = (
        sa.select(MEMBERS.c.group_id)
        .join(GROUPS, GROUPS.c.group_id == MEMBERS.c.group_id)
        .where(MEMBERS.c.user_id == str(user_id))
        .order_by(MEMBERS.c.group_id)
    )
    return [r.group_id for r in conn.execute(query)]


def bits(conn: sa.Connection, user_id: UUID, resource_type: str, resource_id: str) -> int:
    resource = (resource_type, resource_id)
    mine = sa.select(EFFECTIVE.c.perm_bits).where(
        EFFECTIVE.c.user_id == str(user_id),
        sa.tuple_(EFFECTIVE.c.resource_type, EFFECTIVE.c.resource_id) == resource,
    )
    public = sa.select(PUBLIC.c.perm_bits).where(
        PUBLIC.c.resource_type == resource_type, PUBLIC.c.resource_id == resource_id
    )
    found = 0
    for row in conn.execute(sa.union_all(mine, public)):
        found |= int(row.perm_bits)
    return found


def public_bits(conn: sa.Connection, resource_type: str, resource_id: str) -> int:
    query = sa.select(PUBLIC.c.perm_bits).where(
        PUBLIC.c.resource_type == resource_type, PUBLIC.c.resource_id == resource_id
    )
    row = conn.execute(query).first()
    return int(row.perm_bits) if row is not None else 0


def bits_by_resource(conn: sa.Connection, user_id: UUID, resource_type: str) -> dict[str, int]:
    mine = sa.select(EFFECTIVE.c.resource_id, EFFECTIVE.c.perm_bits).where(
        EFFECTIVE.c.user_id == str(user_id), EFFECTIVE.c.resource_type == resource_type
    )
    public = sa.select(PUBLIC.c.resource_id, PUBLIC.c.perm_bits).where(
        PUBLIC.c.resource_type == resource_type
    )
    found: dict[str, int] = {}
    for row in conn.execute(sa.union_all(mine, public)):
        found[row.resource_id] = found.get(row.resource_id, 0) | int(row.perm_bits)
    return found


def entries(conn: sa.Connection, resource_type: str, resource_id: str) -> list[dict[str, Any]]:
    query = (
        sa.select(ENTRIES)
        .where(ENTRIES.c.resource_type == resource_type, ENTRIES.c.resource_id == resource_id)
        .order_by(ENTRIES.c.granted_at, ENTRIES.c.principal_type, ENTRIES.c.principal_id)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def capabilities_of(conn: sa.Connection, principals: Iterable[Principal]) -> set[str]:
    named = [
        (p.type, p.id) for p in principals if p.type != PrincipalType.PUBLIC and p.id is not None
    ]
    if not named:
        return set()
    query = sa.select(GRANTS.c.capability).where(
        sa.tuple_(GRANTS.c.principal_type, GRANTS.c.principal_id).in_(named)
    )
    return {r.capability for r in conn.execute(query)}


def groups(conn: sa.Connection, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = list(ids)
    if not wanted:
        return {}
    query = sa.select(GROUPS).where(GROUPS.c.group_id.in_(wanted))
    return {r.group_id: dict(r._mapping) for r in conn.execute(query)}


def search_groups(conn: sa.Connection, text: str, limit: int) -> list[dict[str, Any]]:
    """Groups whose name, email or description contain `text` (case-insensitive)."""
    pattern = f"%{_escape(text.lower())}%"
    fields = (GROUPS.c.name, GROUPS.c.email, GROUPS.c.description)
    query = (
        sa.select(GROUPS)
        .where(sa.or_(*(sa.func.lower(f).like(pattern, escape="\\") for f in fields)))
        .order_by(GROUPS.c.name, GROUPS.c.group_id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def list_groups(conn: sa.Connection, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    query = sa.select(GROUPS).order_by(GROUPS.c.name, GROUPS.c.group_id).limit(limit).offset(offset)
    return [dict(r._mapping) for r in conn.execute(query)]


def members(conn: sa.Connection, group_id: str) -> list[str]:
    query = (
        sa.select(MEMBERS.c.user_id)
        .where(MEMBERS.c.group_id == group_id)
        .order_by(MEMBERS.c.added_at, MEMBERS.c.user_id)
    )
    return [r.user_id for r in conn.execute(query)]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_grants(
    conn: sa.Connection,
    principal_types: Iterable[str] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Capability grants (LibreChat's `listGrants`), oldest first. The ADMIN role's
    capabilities are a rule and have no rows."""
    query = sa.select(GRANTS)
    if principal_types is not None:
        query = query.where(GRANTS.c.principal_type.in_(list(principal_types)))
    query = query.order_by(
        GRANTS.c.granted_at, GRANTS.c.principal_type, GRANTS.c.principal_id, GRANTS.c.capability
    )
    return [dict(r._mapping) for r in conn.execute(query.limit(limit).offset(offset))]


def grants_of(conn: sa.Connection, principal: Principal) -> list[dict[str, Any]]:
    query = sa.select(GRANTS).where(
        GRANTS.c.principal_type == principal.type, GRANTS.c.principal_id == (principal.id or "")
    )
    return [dict(r._mapping) for r in conn.execute(query.order_by(GRANTS.c.capability))]
