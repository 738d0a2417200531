"""MCP server events (the `agents` store: MCP servers are tools of agents). The server's
author is the data subject: its `config` (URL, headers, OAuth client secrets) is sealed
under the author's key, so deleting the user shreds it while names, ids and times remain."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.shared.events import DomainEvent


class McpServerEvent(DomainEvent, frozen=True, kw_only=True):
    subject = "author_id"
    author_id: UUID


class McpServerCreated(McpServerEvent, frozen=True, kw_only=True):
    """A user added a remote MCP server. `server_name` is derived from the title and unique
    while the server lives; `resource_id` names this life of it in the ACLs (LibreChat's
    `_id`). `config` is LibreChat's user input (type, url, title, description, iconPath,
    headers, oauth), checked."""

    TOPIC = "mcp.McpServerCreated"
    personal = ("config",)
    server_name: str
    resource_id: UUID
    config: dict[str, Any]


class McpServerUpdated(McpServerEvent, frozen=True, kw_only=True):
    """The whole user config replaced (LibreChat's PATCH sends the whole config)."""

    TOPIC = "mcp.McpServerUpdated"
    personal = ("config",)
    server_name: str
    config: dict[str, Any]


class McpServerDeleted(McpServerEvent, frozen=True, kw_only=True):
    TOPIC = "mcp.McpServerDeleted"
    server_name: str
    resource_id: UUID
