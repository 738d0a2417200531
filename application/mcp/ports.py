"""What the MCP services need from the connections (infrastructure/mcp)."""

from __future__ import annotations

from typing import Any, Protocol

from application.mcp.config import McpServerConfig
from application.mcp.tools import ToolResult, ToolSpec


class McpUnavailable(Exception):
    """The server could not be reached, or did not answer the handshake in time."""


class McpGateway(Protocol):
    """Live connections, one per (scope, server): `scope` is "app" for librechat.yaml's
    servers (shared by every user, as LibreChat's app connections) or a user's id."""

    async def tools(self, server: McpServerConfig, scope: str) -> list[ToolSpec]:
        """The server's tools, cached until the connection is reopened; McpUnavailable."""
        ...

    def tools_now(self, server: McpServerConfig, scope: str) -> list[ToolSpec]:
        """`tools`, for a caller that cannot await (it blocks, bounded by the timeouts)."""
        ...

    async def call(
        self,
        server: McpServerConfig,
        scope: str,
        tool: str,
        arguments: dict[str, Any],
        timeout: float | None = None,
    ) -> ToolResult: ...

    def state(self, server: McpServerConfig, scope: str) -> str:
        """connected | connecting | disconnected | error"""
        ...

    async def reconnect(self, server: McpServerConfig, scope: str) -> list[ToolSpec]: ...

    async def disconnect(self, server_name: str, scope: str | None = None) -> None:
        """Close the server's connections (every scope's when `scope` is None)."""
        ...


class McpServerIndex(Protocol):
    """The mcp_servers read model (projections/mcp/queries.py)."""

    def fresh(self) -> None: ...

    def by_name(self, server_name: str) -> dict[str, Any] | None: ...

    def by_resource_ids(self, ids: list[str]) -> list[dict[str, Any]]: ...

    def names_like(self, base: str) -> set[str]: ...
