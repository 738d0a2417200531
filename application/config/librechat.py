"""LibreChat's `librechat.yaml`, read as it is, so a deployment's configuration moves over
unchanged.

Found as LibreChat finds it: the file `CONFIG_PATH` names, else `librechat.yaml` in the
working directory (none there: LibreChat's defaults). Its sections are LibreChat's
(`configSchema` in packages/data-provider/src/config.ts). Sections Chronicle uses are checked
here and a wrong value stops the start with a line naming it; sections of features not built
yet, and keys LibreChat does not know either, are kept and reported once at start-up
(`notices`), never an error. chronicle.yaml may hold the same top-level sections: a section
there replaces librechat.yaml's (see `merge`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from application.config.interface import InterfaceError, check_interface
from application.mcp.config import McpConfigError, configured_servers

# every top-level key of LibreChat's configSchema
LIBRECHAT_KEYS = frozenset(
    {
        "version", "cache", "ocr", "webSearch", "langfuse", "memory", "summarization",
        "skillSync", "secureImageLinks", "imageOutputType", "includedTools", "filteredTools",
        "mcpServers", "mcpSettings", "interface", "turnstile", "fileStrategy", "fileStrategies",
        "cloudfront", "actions", "registration", "balance", "transactions", "speech",
        "rateLimits", "fileConfig", "modelSpecs", "messageFilter", "endpoints",
    }
)  # fmt: skip
# the sections Chronicle reads; the rest of LibreChat's are accepted and reported
USED = frozenset(
    {"version", "cache", "interface", "endpoints", "balance", "registration", "modelSpecs"}
    | {"memory", "fileConfig", "fileStrategy", "speech", "mcpServers", "mcpSettings"}
)
# the endpoints Chronicle serves from `endpoints:`; LibreChat's others are reported
USED_ENDPOINTS = frozenset({"custom", "openAI", "anthropic"})
DEFAULT_SOCIAL_LOGINS = ("google", "facebook", "openid", "github", "discord", "saml", "apple")


class ConfigError(ValueError):
    """librechat.yaml has a wrong value; the message names it."""


@dataclass(frozen=True)
class LibreChatConfig:
    """What Chronicle takes from librechat.yaml (and chronicle.yaml's same sections). The
    dicts stay out of the hash, so `Settings`, which holds this, stays hashable."""

    path: str | None = None
    sections: dict[str, Any] = field(default_factory=dict, hash=False)
    interface: dict[str, Any] = field(default_factory=dict, hash=False)
    model_specs: dict[str, Any] = field(default_factory=dict, hash=False)
    social_logins: tuple[str, ...] = DEFAULT_SOCIAL_LOGINS
    notices: tuple[str, ...] = ()

    def section(self, name: str) -> Any:
        return self.sections.get(name)


def config_path(environ: Mapping[str, str]) -> tuple[str, bool]:
    """(the file, whether it was named): `CONFIG_PATH`, else `librechat.yaml` here."""
    named = environ.get("CONFIG_PATH", "").strip()
    return (named, True) if named else ("librechat.yaml", False)


def merge(librechat: Mapping[str, Any], chronicle: Mapping[str, Any]) -> dict[str, Any]:
    """chronicle.yaml's top-level sections (all but `settings:`) over librechat.yaml's, one
    whole section at a time: a section is read from one file, never half from each."""
    merged = dict(librechat)
    merged.update({k: v for k, v in chronicle.items() if k != "settings"})
    return merged


def read_config(sections: Mapping[str, Any], path: str | None) -> LibreChatConfig:
    """Check the sections Chronicle uses and list what it does not (yet)."""
    notices = [*_unused(sections)]
    try:
        interface, more = check_interface(sections.get("interface"))
    except InterfaceError as error:
        raise ConfigError(str(error)) from None
    notices += more
    try:
        configured_servers(sections.get("mcpServers"))
    except McpConfigError as error:
        raise ConfigError(str(error)) from None
    if sections.get("mcpSettings") is not None and not isinstance(sections["mcpSettings"], dict):
        raise ConfigError("mcpSettings: must be a mapping (allowedDomains)")
    return LibreChatConfig(
        path=path,
        sections=dict(sections),
        interface=interface,
        model_specs=_model_specs(sections.get("modelSpecs")),
        social_logins=_social_logins(sections.get("registration")),
        notices=tuple(notices),
    )


def exists(path: str) -> bool:
    return Path(path).is_file()


def _unused(sections: Mapping[str, Any]) -> list[str]:
    notices = []
    for key in sections:
        if key not in LIBRECHAT_KEYS:
            notices.append(f"{key}: not a LibreChat setting; ignored")
        elif key not in USED:
            notices.append(f"{key}: accepted; its feature is not served yet, so it has no effect")
    speech = sections.get("speech")
    if isinstance(speech, dict):  # speechTab is served; the server's own engines are not yet
        for engine in ("tts", "stt"):
            if engine in speech:
                notices.append(f"speech.{engine}: accepted; server speech is not served yet")
    endpoints = sections.get("endpoints")
    if isinstance(endpoints, dict):
        for name in endpoints:
            if name not in USED_ENDPOINTS:
                notices.append(f"endpoints.{name}: accepted; that endpoint is not served yet")
    return notices


def _model_specs(value: Any) -> dict[str, Any]:
    """LibreChat's `specsConfigSchema`: `list` of specs, each a `name` and a `preset` with an
    `endpoint`; `enforce`, `prioritize`, `addedEndpoints` pass through as written."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError("modelSpecs: must be a mapping with a `list` of specs")
    specs = value.get("list") or []
    if not isinstance(specs, list):
        raise ConfigError("modelSpecs.list: must be a list")
    for index, spec in enumerate(specs):
        where = f"modelSpecs.list[{index}]"
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise ConfigError(f"{where}: needs a name")
        preset = spec.get("preset")
        if not isinstance(preset, dict) or not isinstance(preset.get("endpoint"), str):
            raise ConfigError(f"{where}.preset: needs an endpoint")
    return dict(value)


def _social_logins(value: Any) -> tuple[str, ...]:
    """`registration.socialLogins`, LibreChat's default list when not configured."""
    if value is None:
        return DEFAULT_SOCIAL_LOGINS
    if not isinstance(value, dict):
        raise ConfigError("registration: must be a mapping (socialLogins, allowedDomains)")
    logins = value.get("socialLogins")
    if logins is None:
        return DEFAULT_SOCIAL_LOGINS
    if not isinstance(logins, list) or not all(isinstance(x, str) for x in logins):
        raise ConfigError("registration.socialLogins: must be a list of provider names")
    return tuple(logins)
