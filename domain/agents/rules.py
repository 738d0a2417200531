"""What an agent's configuration may hold. The read model stores names, descriptions,
categories and the whole configuration as JSON, so strings are bounded and NUL-free before
anything is recorded (PostgreSQL's text and jsonb refuse NUL)."""

from __future__ import annotations

from typing import Any

from domain.shared.errors import Invalid

# LibreChat's agent fields a client may set (agentBaseSchema), and the longest text of each
TEXT_LIMITS = {
    "name": 256,
    "description": 2048,
    "instructions": 100_000,
    "provider": 100,
    "model": 200,
    "category": 100,
    "artifacts": 100,
}
OTHER_FIELDS = frozenset(
    {
        "avatar",
        "model_parameters",
        "tools",
        "tool_kwargs",
        "tool_options",
        "tool_resources",
        "conversation_starters",
        "support_contact",
        "edges",
        "recursion_limit",
        "hide_sequential_outputs",
        "end_after_tools",
    }
)
FIELDS = frozenset(TEXT_LIMITS) | OTHER_FIELDS
MAX_TOOLS = 128
MAX_TOOL_NAME = 256
MAX_STARTERS = 32
MAX_STARTER = 1024
MAX_RECURSION = 1000
MAX_NESTED_TEXT = 10_000
DEFAULT_CATEGORY = "general"
CATEGORIES = (
    ("general", "General", "General purpose agents for common tasks and inquiries"),
    ("hr", "Human Resources", "Agents specialized in HR processes, policies, and employee support"),
    ("rd", "Research & Development", "Agents focused on R&D processes, innovation, and research"),
    ("finance", "Finance", "Agents specialized in financial analysis, budgeting, and accounting"),
    ("it", "IT", "Agents for IT support, technical troubleshooting, and system administration"),
    ("sales", "Sales", "Agents focused on sales processes, customer relations"),
    ("aftersales", "After Sales", "Agents specialized in post-sale support and maintenance"),
)


def check_config(config: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The fields as they will be recorded; None (a removal) is kept for updates."""
    unknown = set(config) - FIELDS
    if unknown:
        raise Invalid(f"Invalid {sorted(unknown)[0]}: not an agent field")
    for required in ("provider", "model"):
        if (creating or required in config) and not config.get(required):
            raise Invalid(f"Invalid {required}: required")
    for field, value in config.items():
        if value is None:
            if creating:
                raise Invalid(f"Invalid {field}: required")
            continue
        limit = TEXT_LIMITS.get(field)
        if limit is not None:
            _text(value, field, limit)
    _tools(config.get("tools"))
    _starters(config.get("conversation_starters"))
    recursion = config.get("recursion_limit")
    if recursion is not None and not 1 <= recursion <= MAX_RECURSION:
        raise Invalid(f"Invalid recursion_limit: between 1 and {MAX_RECURSION}")
    for field in OTHER_FIELDS:
        _nested(config.get(field), field)
    return dict(config)


def _text(value: Any, field: str, limit: int) -> None:
    if not isinstance(value, str):
        raise Invalid(f"Invalid {field}: Expected string")
    if "\x00" in value:
        raise Invalid(f"Invalid {field}: must not contain NUL characters")
    if len(value) > limit:
        raise Invalid(f"Invalid {field}: at most {limit} characters")


def _tools(tools: list[str] | None) -> None:
    if tools is None:
        return
    if len(tools) > MAX_TOOLS:
        raise Invalid(f"Invalid tools: at most {MAX_TOOLS}")
    for tool in tools:
        _text(tool, "tools", MAX_TOOL_NAME)
        if not tool.strip():
            raise Invalid("Invalid tools: a tool name is empty")


def _starters(starters: list[str] | None) -> None:
    if starters is None:
        return
    if len(starters) > MAX_STARTERS:
        raise Invalid(f"Invalid conversation_starters: at most {MAX_STARTERS}")
    for starter in starters:
        _text(starter, "conversation_starters", MAX_STARTER)


def _nested(value: Any, field: str, depth: int = 0) -> None:
    """Strings anywhere inside a structured field: bounded and NUL-free."""
    if depth > 16:
        raise Invalid(f"Invalid {field}: nested too deeply")
    if isinstance(value, str):
        _text(value, field, MAX_NESTED_TEXT)
    elif isinstance(value, dict):
        for key, item in value.items():
            _text(key, field, MAX_TOOL_NAME)
            _nested(item, field, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _nested(item, field, depth + 1)
