"""LibreChat's JSON for agents: the full document (EDIT, `expanded`), the VIEW subset of
`getAgentHandler`, a marketplace list item, and a version. `author` is shown only to the
author, as LibreChat deletes it for anyone else."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.agents.agent import Agent

SAFE_PARAMETERS = ("temperature", "max_tokens", "max_output_tokens", "top_p")


def iso(value: datetime | str) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def agent_json(agent: Agent, viewer: UUID, public: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "_id": str(agent.id),
        "id": agent.agent_id,
        "tools": [],
        "category": "general",
        **agent.config,
        "version": len(agent.history),
        "isPublic": public,
        "createdAt": iso(agent.created_at),
        "updatedAt": iso(agent.updated_at),
    }
    if viewer == agent.author:
        body["author"] = str(agent.author)
    return body


def view_json(agent: Agent, viewer: UUID, public: bool) -> dict[str, Any]:
    full = agent_json(agent, viewer, public=public)
    keep = (
        *("_id", "id", "name", "description", "conversation_starters", "avatar", "author"),
        *("provider", "model", "isPublic", "version", "createdAt", "updatedAt"),
        "support_contact",
    )
    body = {k: full[k] for k in keep if k in full}
    parameters = agent.config.get("model_parameters") or {}
    body["model_parameters"] = {k: parameters[k] for k in SAFE_PARAMETERS if k in parameters}
    return body


def versions_json(agent: Agent) -> list[dict[str, Any]]:
    created = iso(agent.created_at)
    return [
        {
            **{k: v for k, v in version.items() if k != "updatedBy"},
            "createdAt": created,
            "updatedAt": iso(version["updatedAt"]),
        }
        for version in agent.history
    ]


def list_item_json(row: dict[str, Any], public: bool, editable: bool) -> dict[str, Any]:
    config = row["config"]
    body: dict[str, Any] = {
        "_id": row["stream_id"],
        "id": row["agent_id"],
        "name": row["name"],
        "description": row["description"],
        "author": row["author"],
        "category": row["category"] or "general",
        "is_promoted": bool(row["is_promoted"]),
        "updatedAt": iso(row["updated_at"]),
        "isPublic": public,
        "isEditable": editable,
    }
    for field in ("avatar", "conversation_starters", "support_contact"):
        if field in config:
            body[field] = config[field]
    return body
