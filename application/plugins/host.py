"""The PluginHost the composition root gives each plugin: its configuration and the core's
ports, with every callback the core makes into the plugin guarded (a plugin's error is
counted against it and never reaches the core's caller)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import dramatiq

from application.plugins.loader import Loaded, PluginHealth
from application.plugins.plugin import Plugin


class Host:
    def __init__(
        self,
        name: str,
        config: Mapping[str, Any],
        services: Any,
        health: PluginHealth,
    ) -> None:
        self.name = name
        self.config = config
        self.services = services
        self.health = health
        self.state: dict[str, Any] = {}

    def failed(self, hook: str, error: BaseException) -> None:
        self.health.failed(self.name, hook, error)

    def on_commit(self, listener: Callable[[Any, Any], None]) -> None:
        def guarded(position: Any, actor: Any) -> None:
            try:
                listener(position, actor)
            except Exception as error:  # a write must never fail because a plugin did
                self.failed("on_commit", error)

        self.services.commit_listeners.append(guarded)

    def on_caught_up(self, listener: Callable[[str], None]) -> None:
        def guarded(projection: str) -> None:
            try:
                listener(projection)
            except Exception as error:
                self.failed("on_caught_up", error)

        self.services.projections.on_caught_up.append(guarded)

    def actor(
        self,
        fn: Callable[..., None],
        *,
        name: str,
        max_retries: int = 20,
        backoff_ms: tuple[int, int] = (500, 60_000),
    ) -> Any:
        def counted(*args: Any, **kwargs: Any) -> None:
            try:
                fn(*args, **kwargs)
            except Exception as error:
                self.failed(f"actor {name}", error)
                raise  # Dramatiq retries it with backoff

        counted.__name__ = fn.__name__
        decorate = dramatiq.actor(
            actor_name=name,
            queue_name="custom",
            broker=self.services.broker,
            max_retries=max_retries,
            min_backoff=backoff_ms[0],
            max_backoff=backoff_ms[1],
            time_limit=600_000,
        )
        return decorate(counted)

    def add_endpoint(self, endpoint: Any) -> None:
        self.services.chat.catalog.add(endpoint)


class Plugins:
    """The enabled plugins of a container, their hosts, health and projection names."""

    def __init__(self, loaded: Loaded | None = None) -> None:
        loaded = loaded or Loaded([], {}, PluginHealth())
        self.loaded: list[Plugin] = loaded.plugins
        self.configs = loaded.configs
        self.health = loaded.health
        self.hosts: dict[str, Host] = {}
        self.projections: set[str] = set()  # the plugins' projection names

    def host(self, name: str) -> Host:
        return self.hosts[name]

    def start(self, services: Any) -> None:
        for plugin in self.loaded:
            host = Host(plugin.name, self.configs[plugin.name], services, self.health)
            try:
                plugin.start(host)
            except Exception as error:  # its routes answer 503, its wrappers are skipped
                self.health.failed(plugin.name, "start", error, fatal=True)
                continue
            self.hosts[plugin.name] = host
