"""What the permission services read, and what the contexts owning resources plug in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol
from uuid import UUID

import msgspec

from domain.permissions.model import Principal


class EntryView(msgspec.Struct, frozen=True, kw_only=True):
    """One ACL entry as the read model holds it."""

    principal: Principal
    access_role_id: str
    perm_bits: int
    granted_by: str | None
    granted_at: datetime


class AccessReads(Protocol):
    """The effective-permissions read model. Every answer includes everything committed to
    the sharing (and identity) stores before the call, or raises `Unavailable`: a revoke or
    a removed member takes effect on the next request, whoever made it."""

    def role_of(self, user_id: UUID) -> str | None: ...
    def groups_of(self, user_id: UUID) -> list[str]: ...
    def bits(self, user_id: UUID, resource_type: str, resource_id: str) -> int: ...
    def bits_by_resource(self, user_id: UUID, resource_type: str) -> dict[str, int]: ...
    def public_bits(self, resource_type: str, resource_id: str) -> int: ...
    def entries(self, resource_type: str, resource_id: str) -> list[EntryView]: ...
    def capabilities_of(self, principals: Iterable[Principal]) -> set[str]: ...


class Users(Protocol):
    """Whether a user id names a live account (a grant to a deleted or unknown user is
    skipped, as LibreChat skips a principal it cannot find)."""

    def exists(self, user_id: UUID) -> bool: ...


class ResourceCatalog(Protocol):
    """Plugged in by the context that owns a resource type (agents, prompts, MCP servers,
    shared links): whether a resource exists, so that routes of that type can answer 404 for
    a missing one where LibreChat does (its `idResolver`). Types without a catalog are
    judged by their ACL alone: no entry, no access (403)."""

    def exists(self, resource_id: str) -> bool: ...
