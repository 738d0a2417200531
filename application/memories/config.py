"""LibreChat's `memory:` block (librechat.yaml, or chronicle.yaml's same section) over the
CHRONICLE_MEMORY_* settings: `disabled`, `charLimit`, `tokenLimit`. The memory agent
(`memory.agent`, automatic extraction) and `personalize` are not built; they are accepted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.memories.rules import DEFAULT_CHAR_LIMIT


class MemoryConfigError(ValueError):
    """The `memory:` block has a wrong value; the message names it."""


@dataclass(frozen=True)
class MemoryConfig:
    disabled: bool = False
    char_limit: int = DEFAULT_CHAR_LIMIT
    token_limit: int | None = None


def memory_config(section: Any, defaults: MemoryConfig) -> MemoryConfig:
    if section is None:
        return defaults
    if not isinstance(section, dict):
        raise MemoryConfigError("memory: must be a mapping")
    disabled = section.get("disabled", defaults.disabled)
    if not isinstance(disabled, bool):
        raise MemoryConfigError("memory.disabled: must be true or false")
    return MemoryConfig(
        disabled=disabled,
        char_limit=_positive(section, "charLimit", defaults.char_limit) or DEFAULT_CHAR_LIMIT,
        token_limit=_positive(section, "tokenLimit", defaults.token_limit),
    )


def _positive(section: dict[str, Any], key: str, default: int | None) -> int | None:
    value = section.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise MemoryConfigError(f"memory.{key}: must be a whole number of 1 or more")
    return value
