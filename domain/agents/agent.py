"""The Agent aggregate: a configuration whose every change is a new version, as LibreChat
keeps `versions` (each a full copy of the fields at the time); revert makes a new version
equal to an old one. The stream id derives from LibreChat's `id` (`agent_<nanoid>`), so a
route's id loads the agent without a lookup and another id loads nothing."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.agents.events import AgentCreated, AgentDeleted, AgentReverted, AgentUpdated
from domain.agents.rules import check_config
from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import Invalid, NotFound

_AGENTS = UUID("8a4e0f52-6c1d-4b7e-a3f9-2d5c7e1b9a40")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
MAX_AGENT_ID = 64
NOT_FOUND = "Agent not found"


def new_agent_id() -> str:
    """`agent_` + LibreChat's `nanoid()` (21 URL-safe characters)."""
    return "agent_" + "".join(secrets.choice(_ALPHABET) for _ in range(21))


def stream_id(agent_id: str) -> UUID:
    """The aggregate's id, which is also the agent's `_id` (its ACL resource id)."""
    return uuid.uuid5(_AGENTS, agent_id)


def valid_agent_id(agent_id: str) -> bool:
    return agent_id.startswith("agent_") and 6 < len(agent_id) <= MAX_AGENT_ID


class Agent(Aggregate):
    agent_id: str
    author: UUID
    config: dict[str, Any]
    history: list[dict[str, Any]]  # each version's fields, with `updatedAt`, `updatedBy`
    created_at: datetime
    updated_at: datetime
    live: bool = False

    @classmethod
    def blank(cls, agent_id: str) -> Agent:
        return cls(stream_id(agent_id))

    def owner_id(self) -> UUID:
        return self.author

    def create(
        self, agent_id: str, author: UUID, config: dict[str, Any], source: str | None = None
    ) -> None:
        if self.version:
            raise Invalid("Agent already exists")
        fields = {k: v for k, v in check_config(config, creating=True).items() if v is not None}
        self._record(
            AgentCreated, agent_id=agent_id, author=author, config=fields, duplicated_from=source
        )

    def update(self, by: UUID, changes: dict[str, Any]) -> None:
        self._require_live()
        checked = check_config(changes, creating=False)
        self._record(AgentUpdated, agent_id=self.agent_id, updated_by=by, changes=checked)

    def revert(self, by: UUID, version_index: int) -> None:
        self._require_live()
        if not 0 <= version_index < len(self.history):
            raise Invalid(f"Version {version_index} not found")
        self._record(
            AgentReverted, agent_id=self.agent_id, updated_by=by, version_index=version_index
        )

    def delete(self, by: UUID) -> None:
        self._require_live()
        self._record(AgentDeleted, agent_id=self.agent_id, deleted_by=by)

    def _require_live(self) -> None:
        if not self.live:
            raise NotFound(NOT_FOUND)

    # --------------------------------------------------------------- folding
    @applies(AgentCreated)
    def _created(self, e: AgentCreated) -> None:
        self.agent_id, self.author = e.agent_id, e.author
        self.created_at = e.timestamp
        self.history = []
        self.live = True
        self._new_version(dict(e.config), e)

    @applies(AgentUpdated)
    def _updated(self, e: AgentUpdated) -> None:
        config = dict(self.config)
        for field, value in e.changes.items():
            if value is None:
                config.pop(field, None)
            else:
                config[field] = value
        self._new_version(config, e)

    @applies(AgentReverted)
    def _reverted(self, e: AgentReverted) -> None:
        old = self.history[e.version_index]
        self._new_version({k: v for k, v in old.items() if k not in _STAMPS}, e)

    @applies(AgentDeleted)
    def _deleted(self, e: AgentDeleted) -> None:
        self.live = False
        self.updated_at = e.timestamp

    def _new_version(
        self, config: dict[str, Any], e: AgentCreated | AgentUpdated | AgentReverted
    ) -> None:
        by = e.author if isinstance(e, AgentCreated) else e.updated_by
        self.config = config
        self.updated_at = e.timestamp
        stamp = {"updatedAt": e.timestamp.isoformat(), "updatedBy": str(by)}
        self.history = [*self.history, {**config, **stamp}]


_STAMPS = ("updatedAt", "updatedBy")
