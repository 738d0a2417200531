"""LibreChat's `interface:` block: checked as its `interfaceSchema`, built as its
`loadDefaultInterface` builds what `/api/config` serves (data-schemas/src/app/interface.ts).

UI elements take LibreChat's defaults when not configured; permission-backed features appear
only when configured (the client then asks the role). Which features are served at all is the
API's business (`api/startup.py` turns the others off)."""

from __future__ import annotations

from typing import Any

# LibreChat's interfaceSchema defaults for the UI elements loadDefaultInterface always sets
UI_DEFAULTS: dict[str, Any] = {
    "modelSelect": True,
    "parameters": True,
    "presets": True,
    "mcpServers": {"use": True, "create": True, "share": False, "public": False},
    "autoSubmitFromUrl": True,
    "buildInfo": True,
    "contextUsage": True,
    "contextCost": False,
}
# served only when configured, as LibreChat does
PERMISSION_KEYS = (
    "bookmarks",
    "memories",
    "prompts",
    "multiConvo",
    "agents",
    "temporaryChat",
    "temporaryChatRetention",
    "retentionMode",
    "retainAgentFiles",
    "runCode",
    "webSearch",
    "fileSearch",
    "fileCitations",
    "defaultPinnedTools",
    "peoplePicker",
    "marketplace",
    "remoteAgents",
    "skills",
    "sharedLinks",
)
_BOOLEANS = frozenset(
    {
        "modelSelect", "parameters", "multiConvo", "bookmarks", "memories", "presets",
        "temporaryChat", "autoSubmitFromUrl", "retainAgentFiles", "runCode", "webSearch",
        "contextUsage", "contextCost", "fileSearch", "fileCitations", "buildInfo",
    }
)  # fmt: skip
# a boolean or a mapping of these flags
_FLAGS: dict[str, frozenset[str]] = {
    "prompts": frozenset({"use", "create", "share", "public"}),
    "agents": frozenset({"use", "create", "share", "public"}),
    "remoteAgents": frozenset({"use", "create", "share", "public"}),
    "skills": frozenset({"use", "create", "share", "public", "defaultActiveOnShare"}),
    "sharedLinks": frozenset({"create", "share", "public", "snapshotFiles"}),
    "peoplePicker": frozenset({"users", "groups", "roles"}),
    "marketplace": frozenset({"use"}),
}
_MAPPINGS = frozenset({"privacyPolicy", "termsOfService", "mcpServers", "currency"})
KNOWN = (
    _BOOLEANS
    | set(_FLAGS)
    | _MAPPINGS
    | {
        "customWelcome",
        "temporaryChatRetention",
        "retentionMode",
        "defaultPinnedTools",
    }
)


class InterfaceError(ValueError):
    """An `interface:` value is wrong; the message names it."""


def check_interface(section: Any) -> tuple[dict[str, Any], list[str]]:
    """(the configured values, notices for keys LibreChat's schema does not have)."""
    if section is None:
        return {}, []
    if not isinstance(section, dict):
        raise InterfaceError("interface: must be a mapping")
    unknown = [k for k in section if k not in KNOWN]
    notices = [f"interface.{k}: not a LibreChat setting; ignored" for k in unknown]
    values = {k: v for k, v in section.items() if k in KNOWN}
    for key, value in values.items():
        _check(key, value)
    return values, notices


def _check(key: str, value: Any) -> None:
    where = f"interface.{key}"
    if key in _BOOLEANS and not isinstance(value, bool):
        raise InterfaceError(f"{where}: must be true or false")
    if key in _FLAGS and not isinstance(value, bool):
        if not isinstance(value, dict) or not set(value) <= _FLAGS[key]:
            flags = ", ".join(sorted(_FLAGS[key]))
            raise InterfaceError(f"{where}: true, false or a mapping of {flags}")
        if not all(isinstance(v, bool) for v in value.values()):
            raise InterfaceError(f"{where}: its flags must be true or false")
    if key in _MAPPINGS and not isinstance(value, dict):
        raise InterfaceError(f"{where}: must be a mapping")
    if key == "customWelcome" and not isinstance(value, str):
        raise InterfaceError(f"{where}: must be text")
    if key == "temporaryChatRetention" and (
        isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= 8760
    ):
        raise InterfaceError(f"{where}: hours between 1 and 8760")
    if key == "retentionMode" and value not in ("all", "temporary"):
        raise InterfaceError(f"{where}: all or temporary")
    if key == "defaultPinnedTools" and (
        not isinstance(value, list) or not all(isinstance(v, str) for v in value)
    ):
        raise InterfaceError(f"{where}: must be a list of tool names")
    if key == "currency" and (
        not isinstance(value.get("code"), str)
        or isinstance(value.get("rate"), bool)
        or not isinstance(value.get("rate"), int | float)
        or value["rate"] <= 0
    ):
        raise InterfaceError(f"{where}: needs a code and a positive rate")


def librechat_interface(configured: dict[str, Any], model_specs: dict[str, Any]) -> dict[str, Any]:
    """`loadDefaultInterface`: with model specs listed, the selector, parameters and presets
    are off unless configured (the selector stays on when `addedEndpoints` are listed)."""
    has_specs = bool(model_specs.get("list"))
    added = bool(model_specs.get("addedEndpoints"))
    built: dict[str, Any] = {
        "modelSelect": configured.get("modelSelect", added if has_specs else True),
        "parameters": configured.get("parameters", not has_specs),
        "presets": configured.get("presets", not has_specs),
    }
    for key in ("privacyPolicy", "termsOfService", "customWelcome", *UI_DEFAULTS):
        if key in configured:
            built[key] = configured[key]
        elif key in UI_DEFAULTS and key not in built:
            built[key] = UI_DEFAULTS[key]
    if "currency" in configured:
        built["currency"] = configured["currency"]
    built["retentionMode"] = configured.get("retentionMode", "temporary")
    for key in PERMISSION_KEYS:
        if key in configured:
            built[key] = configured[key]
    return built
