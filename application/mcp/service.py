"""MCP servers: librechat.yaml's (every user with MCP_SERVERS.USE sees them) and the ones
users add (`/api/mcp/servers`, ACL resources `mcpServer`: the creator owns, viewers see and
use, editors change, owners delete). A user's server is connected per user; a yaml server
once for the process (scope "app")."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.mcp.config import McpServerConfig, user_server
from application.mcp.domains import DomainPolicy
from application.mcp.ports import McpServerIndex
from application.permissions.service import Permissions
from application.shared.store import EventStore, retry_on_conflict
from domain.mcp.config import check_user_config, next_name, normalize_server_name, server_name_base
from domain.mcp.server import McpServer, server_id
from domain.permissions.model import PermissionBits, ResourceType
from domain.shared.errors import Forbidden, NotFound

TYPE = ResourceType.MCPSERVER.value
MAX_NAME = 160  # the read model's column
_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


@dataclass(frozen=True)
class Visible:
    """A server as the caller may see it: `row` for a user's server (the read model's),
    `can_edit` whether the caller may change it."""

    config: McpServerConfig
    resource_id: str | None = None
    author_id: str | None = None
    can_edit: bool = False

    def scope(self, user_id: UUID) -> str:
        return "app" if self.config.source == "config" else str(user_id)


class McpServers:
    def __init__(
        self,
        store: EventStore,
        index: McpServerIndex,
        permissions: Permissions,
        configured: Callable[[], dict[str, McpServerConfig]],
        domains: DomainPolicy,
    ) -> None:
        self.store = store
        self.index = index
        self.permissions = permissions
        self.configured = configured
        self.domains = domains

    # ------------------------------------------------------------- commands
    def create(self, user_id: UUID, raw: Any) -> McpServer:
        config = check_user_config(raw)
        self.domains.check(str(config["url"]))

        def attempt() -> McpServer:
            name = self._new_name(config.get("title"))
            server = self._load_or_blank(name)
            server.add(name, user_id, config)
            self.store.commit(server, actor=user_id)
            return server

        server = retry_on_conflict(attempt)
        try:
            self.permissions.create_owner(TYPE, str(server.resource_id), user_id)
        except Exception:  # a server nobody may reach is not kept
            self._retract(server.server_name, user_id)
            raise
        return server

    def update(self, user_id: UUID, name: str, raw: Any) -> McpServer:
        self.require(user_id, name, PermissionBits.EDIT)
        config = check_user_config(raw)
        self.domains.check(str(config["url"]))

        def attempt() -> McpServer:
            server = self._load(name)
            server.change(config)
            self.store.commit(server, actor=user_id)
            return server

        return retry_on_conflict(attempt)

    def delete(self, user_id: UUID, name: str) -> McpServer:
        self.require(user_id, name, PermissionBits.DELETE)

        def attempt() -> McpServer:
            server = self._load(name)
            server.remove()
            self.store.commit(server, actor=user_id)
            return server

        server = retry_on_conflict(attempt)
        self.permissions.close(TYPE, str(server.resource_id), user_id)
        return server

    # ------------------------------------------------------------- reads
    def require(self, user_id: UUID, name: str, bits: int) -> dict[str, Any]:
        """The user's server row, or LibreChat's canAccessResource refusals: NotFound
        (`mcpServer not found`) for no such server, Forbidden without the bits."""
        row = self._row(name)
        if row is None:
            raise NotFound(f"{TYPE} not found")
        if not self.permissions.can(user_id, TYPE, row["resource_id"], bits):
            raise Forbidden(f"Insufficient permissions to access this {TYPE}")
        return row

    def visible(self, user_id: UUID) -> dict[str, Visible]:
        """Every server the user may use: the yaml's first (a user's server never shadows
        one of them: names are reserved), then the user-added ones they may view."""
        shown = {name: Visible(config) for name, config in self.configured().items()}
        self.index.fresh()
        ids = self.permissions.accessible_ids(user_id, TYPE, PermissionBits.VIEW)
        editable = set(self.permissions.accessible_ids(user_id, TYPE, PermissionBits.EDIT))
        for row in self.index.by_resource_ids(ids):
            if row["server_name"] not in shown:
                shown[row["server_name"]] = self._visible(row, row["resource_id"] in editable)
        return shown

    def find(self, user_id: UUID, name: str) -> Visible | None:
        """One server the user may use (None: no such server, or not theirs to see)."""
        configured = self.configured().get(name)
        if configured is not None:
            return Visible(configured)
        try:
            row = self.require(user_id, name, PermissionBits.VIEW)
        except (NotFound, Forbidden):
            return None
        editable = self.permissions.can(user_id, TYPE, row["resource_id"], PermissionBits.EDIT)
        return self._visible(row, editable)

    def connection_config(self, visible: Visible) -> McpServerConfig:
        """A user's server with its secrets (headers), read from its aggregate."""
        if visible.config.source == "config":
            return visible.config
        server = self._load(visible.config.name)
        return user_server(server.server_name, server.config)

    # ------------------------------------------------------------- helpers
    def _visible(self, row: dict[str, Any], can_edit: bool) -> Visible:
        config = {
            "type": row["type"],
            "url": row["url"] or "",
            "title": row["title"],
            "description": row["description"],
            "iconPath": row["icon_path"],
        }
        return Visible(
            user_server(row["server_name"], {k: v for k, v in config.items() if v is not None}),
            resource_id=row["resource_id"],
            author_id=row["author_id"],
            can_edit=can_edit,
        )

    def _row(self, name: str) -> dict[str, Any] | None:
        """Current, as access checks are: a server just deleted (by anyone) is gone. A name
        no server can have (NUL, too long: PostgreSQL would refuse the query) has none."""
        if "\x00" in name or len(name) > MAX_NAME:
            return None
        self.index.fresh()
        return self.index.by_name(name)

    def _load(self, name: str) -> McpServer:
        sid = server_id(name)
        server = self.store.load(McpServer, sid) if self.store.exists(sid) else None
        if server is None or not server.live:
            raise NotFound(f"{TYPE} not found")
        return server

    def _new_name(self, title: str | None) -> str:
        """LibreChat's: the title's slug, `-N` when taken (by a user's server or a yaml
        name, raw or normalised), `mcp-<nanoid>` without a title."""
        base = server_name_base(title)
        if base is None:
            return "mcp-" + "".join(secrets.choice(_ALPHABET) for _ in range(16))
        self.index.fresh()
        reserved = {n for c in self.configured() for n in (c, normalize_server_name(c))}
        taken = self.index.names_like(base) | reserved
        return next_name(base, taken)

    def _load_or_blank(self, name: str) -> McpServer:
        """A name used before (its server deleted) continues that stream; a name taken
        meanwhile by a concurrent create is a Conflict, and the retry picks the next."""
        if self.store.exists(server_id(name)):
            return self.store.load(McpServer, server_id(name))
        return McpServer.named(name)

    def _retract(self, name: str, user_id: UUID) -> None:
        def attempt() -> None:
            server = self._load(name)
            server.remove()
            self.store.commit(server, actor=user_id)

        retry_on_conflict(attempt)
