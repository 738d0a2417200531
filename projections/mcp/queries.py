"""Reads of the mcp_servers read model."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from projections.engine.consistency import ReadYourWrites
from projections.mcp.servers import McpServersProjection

SERVERS = McpServersProjection().views()["mcp_servers"]
VIEW = ["mcp_servers"]


class ProjectedMcpServers:
    """The user-added servers, by name or by ACL resource id."""

    def __init__(self, db: sa.Engine, consistency: ReadYourWrites) -> None:
        self._db = db
        self._consistency = consistency

    def fresh(self) -> None:
        """Bring the view up to everything committed (a server another user shared)."""
        self._consistency.wait_for_head(VIEW)

    def by_name(self, server_name: str) -> dict[str, Any] | None:
        with self._db.connect() as conn:
            row = conn.execute(sa.select(SERVERS).where(SERVERS.c.server_name == server_name))
            found = row.mappings().first()
        return dict(found) if found else None

    def by_resource_ids(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        wanted = list(ids)
        if not wanted:
            return []
        query = (
            sa.select(SERVERS)
            .where(SERVERS.c.resource_id.in_(wanted))
            .order_by(SERVERS.c.updated_at.desc(), SERVERS.c.server_name)
        )
        with self._db.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def names_like(self, base: str) -> set[str]:
        """Taken names `base` and `base-N` (a new server's name must differ)."""
        query = sa.select(SERVERS.c.server_name).where(
            sa.or_(SERVERS.c.server_name == base, SERVERS.c.server_name.like(f"{base}-%"))
        )
        with self._db.connect() as conn:
            return {r[0] for r in conn.execute(query)}

    def exists(self, resource_id: str) -> bool:
        """The ResourceCatalog port: /api/permissions/mcpServer/<id> answers 404 when gone."""
        self.fresh()
        query = sa.select(SERVERS.c.resource_id).where(SERVERS.c.resource_id == resource_id)
        with self._db.connect() as conn:
            return conn.execute(query).first() is not None
