"""MCP servers and tools in the shapes LibreChat's client reads (data-provider's
MCPServersListResponse, MCPServerDBObjectResponse, MCPToolsResponse)."""

from __future__ import annotations

from typing import Any

from application.mcp.config import McpServerConfig
from application.mcp.service import Visible
from application.mcp.tools import ToolSpec
from domain.mcp.config import tool_key


def server_json(visible: Visible) -> dict[str, Any]:
    """`redactServerSecrets`: no headers, command, env or OAuth client secret."""
    config = visible.config
    body: dict[str, Any] = {"type": config.transport, "source": _source(config)}
    for key, value in (("url", config.url if config.transport != "stdio" else None),
                       ("title", config.title), ("description", config.description),
                       ("iconPath", config.icon_path)):  # fmt: skip
        if value is not None:
            body[key] = value
    if visible.resource_id is not None:
        body["dbId"] = visible.resource_id
    oauth = config.raw.get("oauth")
    if isinstance(oauth, dict):
        body["oauth"] = {k: v for k, v in oauth.items() if k != "client_secret"}
    custom = config.raw.get("customUserVars")
    if isinstance(custom, dict):
        body["customUserVars"] = custom
    if isinstance(config.raw.get("chatMenu"), bool):
        body["chatMenu"] = config.raw["chatMenu"]
    return body


def tools_server_json(visible: Visible, tools: list[ToolSpec]) -> dict[str, Any]:
    """One entry of GET /api/mcp/tools (`getMCPTools`)."""
    config = visible.config
    custom = config.raw.get("customUserVars")
    auth_config = (
        [
            {
                "authField": key,
                "label": (value or {}).get("title") or key,
                "description": (value or {}).get("description") or "",
                "sensitive": (value or {}).get("sensitive"),
            }
            for key, value in custom.items()
        ]
        if isinstance(custom, dict)
        else []
    )
    return {
        "name": config.name,
        "icon": config.icon_path or "",
        "authenticated": not auth_config,
        "authConfig": auth_config,
        "tools": [
            {
                "name": t.name,
                "pluginKey": tool_key(t.name, config.name),
                "description": t.description,
            }
            for t in tools
        ],
    }


def _source(config: McpServerConfig) -> str:
    return "user" if config.source == "user" else "yaml"
