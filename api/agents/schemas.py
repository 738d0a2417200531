"""Request bodies of the agent routes (LibreChat's `agentCreateSchema` / `agentUpdateSchema`):
fields it does not know are dropped, as zod strips them; types are checked strictly."""

from __future__ import annotations

from typing import Any

import msgspec

UNSET: Any = msgspec.UNSET


class Avatar(msgspec.Struct, kw_only=True):
    filepath: str
    source: str


class Contact(msgspec.Struct, kw_only=True):
    name: str | msgspec.UnsetType = UNSET
    email: str | msgspec.UnsetType = UNSET


class AgentBody(msgspec.Struct, kw_only=True):
    """POST /api/agents and PATCH /api/agents/:id. A null removes a field on update."""

    name: str | msgspec.UnsetType | None = UNSET
    description: str | msgspec.UnsetType | None = UNSET
    instructions: str | msgspec.UnsetType | None = UNSET
    avatar: Avatar | msgspec.UnsetType | None = UNSET
    provider: str | msgspec.UnsetType = UNSET
    model: str | msgspec.UnsetType | None = UNSET
    model_parameters: dict[str, Any] | msgspec.UnsetType | None = UNSET
    artifacts: str | msgspec.UnsetType | None = UNSET
    recursion_limit: int | msgspec.UnsetType | None = UNSET
    tools: list[str] | msgspec.UnsetType | None = UNSET
    tool_kwargs: list[Any] | msgspec.UnsetType | None = UNSET
    tool_options: dict[str, dict[str, Any]] | msgspec.UnsetType | None = UNSET
    tool_resources: dict[str, dict[str, Any]] | msgspec.UnsetType | None = UNSET
    conversation_starters: list[str] | msgspec.UnsetType | None = UNSET
    support_contact: Contact | msgspec.UnsetType | None = UNSET
    edges: list[dict[str, Any]] | msgspec.UnsetType | None = UNSET
    hide_sequential_outputs: bool | msgspec.UnsetType | None = UNSET
    end_after_tools: bool | msgspec.UnsetType | None = UNSET
    category: str | msgspec.UnsetType | None = UNSET

    def fields(self) -> dict[str, Any]:
        """The fields sent (None kept: a removal), as plain values."""
        sent = {
            name: getattr(self, name)
            for name in self.__struct_fields__
            if getattr(self, name) is not UNSET
        }
        return {
            name: value if value is None else msgspec.to_builtins(value)
            for name, value in sent.items()
        }

    def creation(self) -> dict[str, Any]:
        """LibreChat's `removeNullishValues`: a null is no value on create."""
        return {k: v for k, v in self.fields().items() if v is not None}


class RevertBody(msgspec.Struct, kw_only=True):
    version_index: int | msgspec.UnsetType = UNSET
