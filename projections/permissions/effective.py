"""PermissionsView: ACL entries, groups and members, capability grants, and the effective
permissions they add up to, per user and resource.

`effective_permissions` flattens user, group and role entries: one row per (user, resource)
with the OR of the bits of every entry naming the user, a group they belong to, or their
role. Public entries are one row per resource in `public_permissions`, not one per user
(every account would need a row for every public resource); a user's effective bits are
their row OR the public row. The identity and sharing logs are read independently, so
either may be ahead: a role entry applied before its users registered is flattened when they
register, and a deleted user's rows go (and stay gone) whatever comes after."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.identity.events import UserDeleted, UserRegistered, UserRoleChanged
from domain.permissions.events import ACL_EVENTS, GRANT_EVENTS, GROUP_EVENTS
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows
from projections.permissions.flatten import apply_event

STAMP = sa.DateTime(timezone=True)


def _id(name: str, length: int = 36, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.String(length), **kw)


class PermissionsProjection(Projection):
    name = "permissions"
    version = 1
    subscriptions = {
        "sharing": (*ACL_EVENTS, *GROUP_EVENTS, *GRANT_EVENTS),
        "identity": (UserRegistered, UserRoleChanged, UserDeleted),
    }

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> dict[str, sa.Table]:
        entries = sa.Table(
            name_for("acl_entries"),
            metadata,
            _id("resource_type", 32, primary_key=True),
            _id("resource_id", 128, primary_key=True),
            _id("principal_type", 16, primary_key=True),
            _id("principal_id", 64, primary_key=True),  # '' for public
            _id("access_role_id", 40, nullable=False),
            sa.Column("perm_bits", sa.Integer, nullable=False),
            _id("granted_by", nullable=True),
            sa.Column("granted_at", STAMP, nullable=False),
            sa.Index(name_for("acl_entries") + "_principal_idx", "principal_type", "principal_id"),
        )
        groups = sa.Table(
            name_for("acl_groups"),
            metadata,
            _id("group_id", primary_key=True),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("description", sa.Text, nullable=True),
            sa.Column("email", sa.String(320), nullable=True),
            sa.Column("avatar", sa.Text, nullable=True),
            _id("source", 16, nullable=False),
            _id("id_on_the_source", 128, nullable=True),
            sa.Column("member_count", sa.Integer, nullable=False),
            sa.Column("created_at", STAMP, nullable=False),
            sa.Column("updated_at", STAMP, nullable=False),
        )
        members = sa.Table(
            name_for("acl_group_members"),
            metadata,
            _id("group_id", primary_key=True),
            _id("user_id", primary_key=True),
            sa.Column("added_at", STAMP, nullable=False),
            sa.Index(name_for("acl_group_members") + "_user_idx", "user_id"),
        )
        users = sa.Table(
            name_for("acl_users"),
            metadata,
            _id("user_id", primary_key=True),
            _id("role", 64, nullable=True),
            sa.Column("deleted", sa.Boolean, nullable=False),
            sa.Index(name_for("acl_users") + "_role_idx", "role"),
        )
        effective = sa.Table(
            name_for("effective_permissions"),
            metadata,
            _id("user_id", primary_key=True),
            _id("resource_type", 32, primary_key=True),
            _id("resource_id", 128, primary_key=True),
            sa.Column("perm_bits", sa.Integer, nullable=False),
            sa.Index(
                name_for("effective_permissions") + "_resource_idx", "resource_type", "resource_id"
            ),
        )
        public = sa.Table(
            name_for("public_permissions"),
            metadata,
            _id("resource_type", 32, primary_key=True),
            _id("resource_id", 128, primary_key=True),
            sa.Column("perm_bits", sa.Integer, nullable=False),
        )
        grants = sa.Table(
            name_for("capability_grants"),
            metadata,
            _id("principal_type", 16, primary_key=True),
            _id("principal_id", 64, primary_key=True),
            _id("capability", 128, primary_key=True),
            _id("granted_by", nullable=True),
            sa.Column("granted_at", STAMP, nullable=False),
        )
        return {
            "acl_entries": entries,
            "acl_groups": groups,
            "acl_group_members": members,
            "acl_users": users,
            "effective_permissions": effective,
            "public_permissions": public,
            "capability_grants": grants,
        }

    def apply(self, rows: Rows, tables: dict[str, sa.Table], event: Any) -> None:
        apply_event(rows, tables, event)
