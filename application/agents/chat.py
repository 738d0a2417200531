"""What a chat with an agent runs on: the agent's provider, model, instructions, model
parameters and tools, read for a caller who may VIEW it (LibreChat's `canAccessAgentFromBody`
on `POST /api/agents/chat`: a missing agent is 404, one not shared with the caller 403)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from application.agents.service import Agents
from application.agents.tools import Tool, ToolRegistry
from domain.permissions.model import PermissionBits
from domain.shared.errors import Invalid

MAX_TOOL_ROUNDS = 8  # model calls of a turn that may ask for tools (LibreChat: recursion_limit)


@dataclass(frozen=True)
class AgentSetup:
    endpoint: str
    model: str
    instructions: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    tools: list[Tool] = field(default_factory=list)
    max_rounds: int = MAX_TOOL_ROUNDS


class AgentChats:
    def __init__(self, agents: Agents, tools: ToolRegistry, max_rounds: int = MAX_TOOL_ROUNDS):
        self.agents = agents
        self.tools = tools
        self.max_rounds = max_rounds

    def setup(self, user_id: UUID, agent_id: str | None) -> AgentSetup:
        if not agent_id:
            raise Invalid("agent_id is required")
        config = self.agents.get(user_id, agent_id, PermissionBits.VIEW).config
        names = [str(n) for n in config.get("tools") or []]
        limit = config.get("recursion_limit")
        rounds = min(self.max_rounds, limit) if isinstance(limit, int) else self.max_rounds
        return AgentSetup(
            endpoint=str(config["provider"]),
            model=str(config["model"]),
            instructions=str(config.get("instructions") or ""),
            parameters=dict(config.get("model_parameters") or {}),
            tools=self.tools.resolve(user_id, names),
            max_rounds=rounds,
        )
