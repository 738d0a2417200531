"""AgentListProjection: one row per live agent, what the marketplace lists, searches and
counts by category. The key is the agent's `_id` (its stream id, made by the server), and
`config` carries the listed fields of the current version (and of every version, so a
revert is folded here too); the whole configuration is read from the store."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.agents.events import AgentCreated, AgentDeleted, AgentReverted, AgentUpdated
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows

Tables = dict[str, sa.Table]


class AgentListProjection(Projection):
    name = "agent_list"
    version = 1
    subscriptions = {"agents": (AgentCreated, AgentUpdated, AgentReverted, AgentDeleted)}

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> Tables:
        name = name_for("agents")
        agents = sa.Table(
            name,
            metadata,
            sa.Column("stream_id", sa.String(36), primary_key=True),  # the agent's `_id`
            sa.Column("agent_id", sa.String(64), nullable=False, unique=True),
            sa.Column("author", sa.String(36), nullable=False),
            sa.Column("name", sa.Text, nullable=True),
            sa.Column("description", sa.Text, nullable=True),
            sa.Column("category", sa.String(100), nullable=True),
            sa.Column("is_promoted", sa.Boolean, nullable=False),
            sa.Column("config", sa.JSON, nullable=False),
            sa.Column("versions", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Index(f"{name}_updated_idx", "updated_at", "stream_id"),
            sa.Index(f"{name}_category_idx", "category"),
        )
        return {"agents": agents}

    def apply(self, rows: Rows, tables: Tables, event: Any) -> None:
        agents = tables["agents"]
        key = {"stream_id": str(event.originator_id)}
        if isinstance(event, AgentCreated):
            row = {
                **key,
                "agent_id": event.agent_id,
                "author": str(event.author),
                "is_promoted": False,
                "versions": 1,
                "created_at": event.timestamp,
                **_fields(event.config, event.timestamp),
            }
            rows.upsert(agents, row, key=["stream_id"])
        elif isinstance(event, AgentDeleted):
            rows.delete(agents, key)
        else:
            current = rows.get(agents, key)
            if current is None:
                return
            config = _next(current, event)
            values = {"versions": current["versions"] + 1, **_fields(config, event.timestamp)}
            rows.update(agents, key, values)


def _next(current: dict[str, Any], event: AgentUpdated | AgentReverted) -> dict[str, Any]:
    config = dict(current["config"])
    if isinstance(event, AgentUpdated):
        for field, value in event.changes.items():
            if value is None:
                config.pop(field, None)
            else:
                config[field] = value
        history = list(current["config"].get("_history", []))
        return {**_plain(config), "_history": [*history, _plain(config)]}
    history = list(current["config"].get("_history", []))
    old = history[event.version_index] if 0 <= event.version_index < len(history) else config
    return {**old, "_history": [*history, _plain(old)]}


LISTED = ("name", "description", "category", "avatar", "conversation_starters", "support_contact")


def _plain(config: dict[str, Any]) -> dict[str, Any]:
    """What the list shows of a version (a revert needs the old version's values)."""
    return {k: config[k] for k in LISTED if k in config}


def _fields(config: dict[str, Any], at: Any) -> dict[str, Any]:
    if "_history" not in config:
        config = {**_plain(config), "_history": [_plain(config)]}
    return {
        "name": config.get("name"),
        "description": config.get("description"),
        "category": config.get("category"),
        "config": config,
        "updated_at": at,
    }
