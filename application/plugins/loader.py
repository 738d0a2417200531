"""Finding plugins by walking custom/features/, enabling them by configuration, and keeping
their health (what /metrics and /readyz report).

Nothing here names a plugin: a directory with a `plugin.py` exporting `PLUGIN` is one. A plugin
that cannot be imported, refuses its configuration or raises in a hook is logged, counted
and reported; the core goes on without it."""

from __future__ import annotations

import importlib
import logging
import pkgutil
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from application.plugins.plugin import Plugin, PluginConfigError

log = logging.getLogger("chronicle.plugins")
PACKAGE = "custom.features"


def env_name(name: str) -> str:
    return "CUSTOM_ENABLE_" + name.upper().replace("-", "_")


def url_name(name: str) -> str:
    return name.replace("_", "-")


@dataclass
class PluginState:
    name: str
    status: str = "loaded"  # loaded | disabled | failed
    failures: dict[str, int] = field(default_factory=dict)  # hook → count since start
    last_error: str | None = None


class PluginHealth:
    """Per-plugin status and failure counts (thread-safe: hooks fail in worker threads)."""

    def __init__(self) -> None:
        self.states: dict[str, PluginState] = {}
        self._lock = threading.Lock()

    def state(self, name: str) -> PluginState:
        with self._lock:
            return self.states.setdefault(name, PluginState(name))

    def failed(self, name: str, hook: str, error: BaseException, fatal: bool = False) -> None:
        log.error(
            "plugin %s failed in %s: %s: %s",
            name,
            hook,
            type(error).__name__,
            error,
            exc_info=error,
            extra={"fields": {"plugin": name, "hook": hook}},
        )
        state = self.state(name)
        with self._lock:
            state.failures[hook] = state.failures.get(hook, 0) + 1
            state.last_error = f"{hook}: {type(error).__name__}: {error}"[:500]
            if fatal:
                state.status = "failed"

    def report(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {
                s.name: {
                    "status": s.status,
                    "failures": sum(s.failures.values()),
                    "last_error": s.last_error,
                }
                for s in self.states.values()
            }


@dataclass
class Loaded:
    """The enabled plugins that loaded, each with its checked configuration."""

    plugins: list[Plugin]
    configs: dict[str, dict[str, Any]]
    health: PluginHealth


def discover(package: str = PACKAGE, health: PluginHealth | None = None) -> list[Plugin]:
    """Every `<package>.<dir>.plugin.PLUGIN`, in name order; import failures are reported."""
    health = health or PluginHealth()
    try:
        root = importlib.import_module(package)
    except ImportError:
        return []
    found: list[Plugin] = []
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda i: i.name):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"{package}.{info.name}.plugin")
            plugin = module.PLUGIN
            if not isinstance(plugin, Plugin) or plugin.name != info.name:
                raise TypeError(f"PLUGIN must be a Plugin named {info.name!r}")
        except Exception as error:
            health.failed(info.name, "import", error, fatal=True)
            continue
        found.append(plugin)
    return found


def load(
    plugins: Iterable[Plugin],
    enable: Mapping[str, bool],
    configs: Mapping[str, Mapping[str, Any]],
    health: PluginHealth | None = None,
) -> Loaded:
    """The enabled plugins whose configuration they accept; `enable` and `configs` are keyed
    by plugin name (settings.custom_enable, settings.custom)."""
    health = health or PluginHealth()
    loaded = Loaded([], {}, health)
    for plugin in plugins:
        state = health.state(plugin.name)
        if state.status == "failed":
            continue
        if not enable.get(plugin.name, plugin.enabled_by_default):
            state.status = "disabled"
            continue
        try:
            loaded.configs[plugin.name] = plugin.configure(configs.get(plugin.name) or {})
        except PluginConfigError as error:
            message = f"custom config {plugin.name}.{error}"
            health.failed(plugin.name, "configure", PluginConfigError(message), fatal=True)
            continue
        except Exception as error:
            health.failed(plugin.name, "configure", error, fatal=True)
            continue
        state.status = "loaded"
        loaded.plugins.append(plugin)
    return loaded
