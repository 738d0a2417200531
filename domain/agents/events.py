"""Agent events (the `agents` store). An agent is a published resource others may be
granted: its configuration is not encrypted under its author's key, so an agent shared with
others keeps working after its author's account is gone (the author's id stays, as
LibreChat keeps `author`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.shared.events import DomainEvent


class AgentEvent(DomainEvent, frozen=True, kw_only=True):
    agent_id: str  # LibreChat's `id`: `agent_<nanoid>`; the stream id derives from it


class AgentCreated(AgentEvent, frozen=True, kw_only=True):
    """A new agent, its first version. `config` holds LibreChat's agent fields (name,
    description, instructions, avatar, provider, model, model_parameters, tools, category,
    conversation_starters, ...); `duplicated_from` names the agent it was copied from."""

    TOPIC = "agents.AgentCreated"
    author: UUID
    config: dict[str, Any]
    duplicated_from: str | None = None


class AgentUpdated(AgentEvent, frozen=True, kw_only=True):
    """A new version: `changes` are the fields set (a None value removes the field)."""

    TOPIC = "agents.AgentUpdated"
    updated_by: UUID
    changes: dict[str, Any]


class AgentReverted(AgentEvent, frozen=True, kw_only=True):
    """A new version equal to the version at `version_index` (0 = the first)."""

    TOPIC = "agents.AgentReverted"
    updated_by: UUID
    version_index: int


class AgentDeleted(AgentEvent, frozen=True, kw_only=True):
    TOPIC = "agents.AgentDeleted"
    deleted_by: UUID
