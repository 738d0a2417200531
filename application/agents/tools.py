"""The tool port the agent loop calls, and the registry that finds an agent's tools.

A `Tool` has a name, a description, a JSON schema of its arguments and `async call(args)`;
a `ToolSource` offers tools by name (built-ins here; MCP servers implement one too). The loop
never lets a tool fail the turn: `run` turns an exception or a timeout into an error result,
which goes back to the model as the tool's answer."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from application.chat.ports import ToolSpec

log = logging.getLogger("chronicle.agents")
DEFAULT_TIMEOUT_S = 30.0
MAX_OUTPUT = 100_000  # characters of a result kept (recorded and sent back to the model)


class Tool(Protocol):
    @property
    def spec(self) -> ToolSpec: ...

    @property
    def timeout(self) -> float:
        """Seconds a call may take before the model is told it timed out."""
        ...

    async def call(self, args: dict[str, Any]) -> str: ...


class ToolSource(Protocol):
    """Tools by name, for one user (an MCP server may be the user's own)."""

    def tools(self, user_id: UUID, names: Sequence[str]) -> list[Tool]:
        """Those of `names` this source has; names it does not know are left out."""
        ...


@dataclass(frozen=True)
class Outcome:
    output: str
    is_error: bool = False


class ToolRegistry:
    """Every source of tools; the first source that knows a name serves it."""

    def __init__(self, sources: Sequence[ToolSource] = ()) -> None:
        self.sources: list[ToolSource] = list(sources)

    def add(self, source: ToolSource) -> None:
        self.sources.append(source)

    def resolve(self, user_id: UUID, names: Sequence[str]) -> list[Tool]:
        found: dict[str, Tool] = {}
        for source in self.sources:
            missing = [n for n in names if n not in found]
            if not missing:
                break
            for tool in source.tools(user_id, missing):
                found.setdefault(tool.spec.name, tool)
        return [found[n] for n in dict.fromkeys(names) if n in found]


async def run(tool: Tool, arguments: str) -> Outcome:
    """One call: the model's JSON arguments parsed, the tool awaited under its timeout."""
    try:
        args = json.loads(arguments or "{}")
    except ValueError:
        return Outcome(f"Error: the arguments are not valid JSON: {arguments[:200]}", True)
    if not isinstance(args, dict):
        return Outcome("Error: the arguments must be a JSON object", True)
    try:
        output = await asyncio.wait_for(tool.call(args), timeout=tool.timeout)
    except TimeoutError:
        return Outcome(f"Error: tool {tool.spec.name} timed out after {tool.timeout:g}s", True)
    except Exception as error:  # a tool's failure is the model's to handle, not the turn's
        log.info("tool %s failed", tool.spec.name, exc_info=True)
        return Outcome(f"Error: {type(error).__name__}: {error}"[:MAX_OUTPUT], True)
    return Outcome(str(output)[:MAX_OUTPUT])
