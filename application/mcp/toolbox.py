"""MCP tools behind the agents' tool port (application/mcp/tools.py): the tools of every
server a user may use, each named as LibreChat names it for the model (`<tool>_mcp_<server>`)
and called through that user's (or the app's) connection."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.mcp.config import McpServerConfig
from application.mcp.ports import McpGateway, McpUnavailable
from application.mcp.service import McpServers, Visible
from application.mcp.tools import ToolResult, ToolSpec
from domain.mcp.config import MCP_DELIMITER, normalize_server_name, tool_key


@dataclass(frozen=True)
class McpTool:
    """One MCP tool as a `Tool`: `name` is the model-facing key."""

    spec: ToolSpec
    server: McpServerConfig
    scope: str
    gateway: McpGateway

    @property
    def name(self) -> str:
        return tool_key(self.spec.name, self.server.name)

    @property
    def description(self) -> str:
        return self.spec.description

    @property
    def parameters(self) -> dict[str, Any]:
        return self.spec.parameters

    async def call(self, arguments: dict[str, Any], timeout: float | None = None) -> ToolResult:
        return await self.gateway.call(
            self.server, self.scope, self.spec.name, arguments, timeout=timeout
        )


class McpToolbox:
    def __init__(self, servers: McpServers, gateway: McpGateway) -> None:
        self.servers = servers
        self.gateway = gateway

    def tools_now(self, user_id: UUID, keys: Iterable[str] | None = None) -> list[McpTool]:
        """`tools_for`, blocking (the agents' ToolSource is synchronous)."""
        visible = self._servers(user_id, keys)
        found: list[McpTool] = []
        for shown in visible.values():
            config = self.servers.connection_config(shown)
            scope = shown.scope(user_id)
            try:
                specs = self.gateway.tools_now(config, scope)
            except McpUnavailable:
                continue
            found += _chosen(specs, config, scope, self.gateway, keys)
        return found

    def _servers(self, user_id: UUID, keys: Iterable[str] | None) -> dict[str, Visible]:
        visible = self.servers.visible(user_id)
        if keys is None:
            return visible
        named = {k.rsplit(MCP_DELIMITER, 1)[-1] for k in keys if MCP_DELIMITER in k}
        return {n: v for n, v in visible.items() if normalize_server_name(n) in named}

    async def tools_for(self, user_id: UUID, keys: Iterable[str] | None = None) -> list[McpTool]:
        """The user's MCP tools; with `keys` (an agent's `tools`), only those. A server that
        cannot be reached contributes none (the agent runs without it)."""
        keys = list(keys) if keys is not None else None
        visible = await asyncio.to_thread(self._servers, user_id, keys)
        found: list[McpTool] = []
        for shown in visible.values():
            config = await asyncio.to_thread(self.servers.connection_config, shown)
            scope = shown.scope(user_id)
            try:
                specs = await self.gateway.tools(config, scope)
            except McpUnavailable:
                continue
            found += _chosen(specs, config, scope, self.gateway, keys)
        return found


def _chosen(
    specs: list[ToolSpec],
    config: McpServerConfig,
    scope: str,
    gateway: McpGateway,
    keys: Iterable[str] | None,
) -> list[McpTool]:
    wanted = set(keys) if keys is not None else None
    tools = [McpTool(spec, config, scope, gateway) for spec in specs]
    return [t for t in tools if wanted is None or t.name in wanted]
