"""McpServersView: one row per live user-added MCP server, what lists and name lookups
read. The config's secrets (headers, OAuth client secret) are not copied here: a connection
reads them from the server's aggregate. A deleted author's servers go with the account."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.identity.events import UserDeleted
from domain.mcp.events import McpServerCreated, McpServerDeleted, McpServerUpdated
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows

Tables = dict[str, sa.Table]


class McpServersProjection(Projection):
    name = "mcp_servers"
    version = 1
    subscriptions = {
        "agents": (McpServerCreated, McpServerUpdated, McpServerDeleted),
        "identity": (UserDeleted,),
    }

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> Tables:
        name = name_for("mcp_servers")
        servers = sa.Table(
            name,
            metadata,
            sa.Column("server_name", sa.String(160), primary_key=True),  # server-generated
            sa.Column("resource_id", sa.String(36), nullable=False, unique=True),  # ACL id
            sa.Column("author_id", sa.String(36), nullable=False, index=True),
            sa.Column("type", sa.String(32), nullable=False),
            sa.Column("title", sa.String(128), nullable=True),
            sa.Column("description", sa.Text, nullable=True),
            sa.Column("url", sa.Text, nullable=True),
            sa.Column("icon_path", sa.Text, nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        )
        return {"mcp_servers": servers}

    def apply(self, rows: Rows, tables: Tables, event: Any) -> None:
        servers = tables["mcp_servers"]
        if isinstance(event, UserDeleted):
            rows.delete(servers, {"author_id": str(event.originator_id)})
        elif isinstance(event, McpServerCreated):
            row = {
                "server_name": event.server_name,
                "resource_id": str(event.resource_id),
                "author_id": str(event.author_id),
                "created_at": event.timestamp,
                **_shown(event.config, event),
            }
            rows.upsert(servers, row, key=["server_name"])
        elif isinstance(event, McpServerUpdated):
            rows.update(servers, {"server_name": event.server_name}, _shown(event.config, event))
        elif isinstance(event, McpServerDeleted):
            rows.delete(servers, {"server_name": event.server_name})


def _shown(config: dict[str, Any], event: Any) -> dict[str, Any]:
    """A shredded config (its author deleted) reads as empty: nothing to show."""
    config = config if isinstance(config, dict) else {}
    return {
        "type": str(config.get("type") or "streamable-http"),
        "title": config.get("title"),
        "description": config.get("description"),
        "url": config.get("url"),
        "icon_path": config.get("iconPath"),
        "updated_at": event.timestamp,
    }
