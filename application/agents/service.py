"""Agent commands under the ACLs (resource type `agent`, resource id = the agent's `_id`,
its stream id): the creator owns; VIEW reads, EDIT changes, versions, reverts and
duplicates, DELETE deletes, as LibreChat's `canAccessAgentResource` guards `agents/v1.js`.
A missing agent and one the caller may not see answer alike where LibreChat's resolver
would not leak it (404 `agent not found` for a missing one, 403 otherwise)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import domain.agents.events  # noqa: F401 (registers the agents topics with the mapper)
from application.permissions.service import Permissions
from application.shared.store import EventStore, retry_on_conflict
from domain.agents.agent import NOT_FOUND, Agent, new_agent_id, stream_id, valid_agent_id
from domain.permissions.model import PermissionBits
from domain.shared.errors import NotFound

AGENT = "agent"
log = logging.getLogger(__name__)


class AgentCatalog:
    """Whether an agent exists, from the store (current, unlike a read model): the
    permissions routes answer 404 `agent not found` for a missing one."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    def exists(self, resource_id: str) -> bool:
        try:
            agent = self.store.load(Agent, UUID(resource_id))
        except (ValueError, NotFound):
            return False
        return agent.live


class Agents:
    def __init__(self, store: EventStore, permissions: Permissions) -> None:
        self.store = store
        self.permissions = permissions

    def create(self, user_id: UUID, config: dict[str, Any]) -> Agent:
        return self._create(user_id, config, None)

    def load(self, agent_id: str) -> Agent:
        """The live agent, without any check (the chat checks VIEW itself)."""
        if not valid_agent_id(agent_id):
            raise NotFound(NOT_FOUND)
        try:
            agent = self.store.load(Agent, stream_id(agent_id))
        except NotFound:
            raise NotFound(NOT_FOUND) from None
        if not agent.live:
            raise NotFound(NOT_FOUND)
        return agent

    def get(self, user_id: UUID, agent_id: str, bits: int = PermissionBits.VIEW) -> Agent:
        self.require(user_id, agent_id, bits)
        return self.load(agent_id)

    def require(self, user_id: UUID, agent_id: str, bits: int) -> None:
        """NotFound (`agent not found`) for an agent that does not exist, Forbidden for one
        the caller lacks `bits` on."""
        if not valid_agent_id(agent_id):
            raise NotFound(f"{AGENT} not found")
        resource = str(stream_id(agent_id))
        if not AgentCatalog(self.store).exists(resource):  # before any bypass, as LibreChat
            raise NotFound(f"{AGENT} not found")
        self.permissions.require(user_id, AGENT, resource, bits)

    def update(self, user_id: UUID, agent_id: str, changes: dict[str, Any]) -> Agent:
        self.require(user_id, agent_id, PermissionBits.EDIT)
        return self._change(user_id, agent_id, lambda agent: agent.update(user_id, changes))

    def revert(self, user_id: UUID, agent_id: str, version_index: int) -> Agent:
        self.require(user_id, agent_id, PermissionBits.EDIT)
        return self._change(user_id, agent_id, lambda agent: agent.revert(user_id, version_index))

    def delete(self, user_id: UUID, agent_id: str) -> Agent:
        self.require(user_id, agent_id, PermissionBits.DELETE)
        agent = self._change(user_id, agent_id, lambda agent: agent.delete(user_id))
        try:
            self.permissions.close(AGENT, str(agent.id), user_id)
        except Exception:  # as LibreChat's cleanup: the agent is gone, its grants name nothing
            log.warning("grants of deleted agent %s not removed", agent_id, exc_info=True)
        return agent

    def duplicate(self, user_id: UUID, agent_id: str, now: datetime) -> Agent:
        """A copy owned by the caller, named as LibreChat names it (`<name> (<date>)`),
        without the source's file resources."""
        source = self.get(user_id, agent_id, PermissionBits.EDIT)
        config = {k: v for k, v in source.config.items() if k != "tool_resources"}
        stamp = now.strftime("%m/%d/%y, %H:%M")
        config["name"] = f"{source.config.get('name') or ''} ({stamp})"[:256]
        return self._create(user_id, config, source.agent_id)

    # ------------------------------------------------------------- helpers
    def _create(self, user_id: UUID, config: dict[str, Any], source: str | None) -> Agent:
        agent_id = new_agent_id()
        agent = Agent.blank(agent_id)
        agent.create(agent_id, user_id, config, source)
        self.store.commit(agent, actor=user_id)
        self.permissions.create_owner(AGENT, str(agent.id), user_id)
        return agent

    def _change(self, user_id: UUID, agent_id: str, decide: Callable[[Agent], None]) -> Agent:
        def attempt() -> Agent:
            agent = self.load(agent_id)
            decide(agent)
            self.store.commit(agent, actor=user_id)
            return agent

        return retry_on_conflict(attempt)
