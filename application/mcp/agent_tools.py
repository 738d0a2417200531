"""MCP tools as the agents' `ToolSource` (application/agents/tools.py): an agent names them
by LibreChat's key (`<tool>_mcp_<server>`); the ones of servers the user may use are served.
A tool's error result (the server's `isError`, a timeout, a server that is down) is raised,
so the tool loop hands it to the model as the tool's error answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from application.agents.tools import Tool
from application.chat.ports import ToolSpec
from application.mcp.toolbox import McpTool, McpToolbox
from domain.mcp.config import MCP_DELIMITER

MARGIN_S = 2.0  # the loop's own bound, past the server's: the MCP timeout answers first


class McpToolError(Exception):
    """The MCP tool answered an error (its text is the message)."""


class AgentMcpTool:
    def __init__(self, tool: McpTool) -> None:
        self._tool = tool
        self.spec = ToolSpec(tool.name, tool.description, tool.parameters)
        self.timeout = tool.server.timeout_s + MARGIN_S

    async def call(self, args: dict[str, Any]) -> str:
        result = await self._tool.call(args, timeout=self._tool.server.timeout_s)
        if result.error:
            raise McpToolError(result.content)
        return result.content


class McpToolSource:
    def __init__(self, toolbox: McpToolbox) -> None:
        self.toolbox = toolbox

    def tools(self, user_id: UUID, names: Sequence[str]) -> list[Tool]:
        wanted = [n for n in names if MCP_DELIMITER in n]
        if not wanted:
            return []
        return [AgentMcpTool(t) for t in self.toolbox.tools_now(user_id, wanted)]
