"""The McpServer aggregate: one per server name, so two concurrent creates of the same name
conflict in the store instead of both succeeding."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.mcp.events import McpServerCreated, McpServerDeleted, McpServerUpdated
from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import Conflict, NotFound

_SERVERS = UUID("8a3f5c1e-6d2b-4e9a-b7c4-1f0e2d3c4b5a")


def server_id(server_name: str) -> UUID:
    return uuid.uuid5(_SERVERS, server_name)


class McpServer(Aggregate):
    server_name: str
    author_id: UUID
    resource_id: UUID
    config: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    live: bool = False

    @classmethod
    def named(cls, server_name: str) -> McpServer:
        return cls(server_id(server_name))

    def add(self, server_name: str, author_id: UUID, config: dict[str, Any]) -> None:
        """A name whose server was deleted may be used again (a new ACL resource)."""
        if self.live:
            raise Conflict(f"MCP server '{server_name}' already exists")
        self._record(
            McpServerCreated,
            author_id=author_id,
            server_name=server_name,
            resource_id=uuid.uuid4(),
            config=dict(config),
        )

    def change(self, config: dict[str, Any]) -> None:
        if not self.live:
            raise NotFound("MCP server not found")
        self._record(
            McpServerUpdated,
            author_id=self.author_id,
            server_name=self.server_name,
            config=dict(config),
        )

    def remove(self) -> None:
        if not self.live:
            raise NotFound("MCP server not found")
        self._record(
            McpServerDeleted,
            author_id=self.author_id,
            server_name=self.server_name,
            resource_id=self.resource_id,
        )

    @applies(McpServerCreated)
    def _created(self, e: McpServerCreated) -> None:
        self.server_name, self.author_id, self.resource_id = (
            e.server_name,
            e.author_id,
            e.resource_id,
        )
        self.config = dict(e.config)
        self.created_at = self.updated_at = e.timestamp
        self.live = True

    @applies(McpServerUpdated)
    def _updated(self, e: McpServerUpdated) -> None:
        self.config = dict(e.config)
        self.updated_at = e.timestamp

    @applies(McpServerDeleted)
    def _deleted(self, e: McpServerDeleted) -> None:
        self.live = False
