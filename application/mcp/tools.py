"""The tool port agents call (the `agents` helper's tool loop): a tool has a model-facing
name, a description, JSON-schema parameters and an async call bounded by a timeout. A tool
that fails or times out answers a `ToolResult` with `error=True` (it goes back to the model
as a tool error), never an exception: a tool cannot fail the turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ToolResult:
    content: str
    error: bool = False
    structured: dict[str, Any] | None = None


class Tool(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def parameters(self) -> dict[str, Any]: ...

    async def call(self, arguments: dict[str, Any], timeout: float | None = None) -> ToolResult: ...


@dataclass(frozen=True)
class ToolSpec:
    """A tool as an MCP server lists it (`name` is the server's, not the model-facing key)."""

    name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object"})
