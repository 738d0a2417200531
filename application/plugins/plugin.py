"""What a plugin is: a name and optional, typed hooks. Core code calls only these.

A plugin lives in `custom/features/<name>/plugin.py` as a module attribute `PLUGIN`; the
loader (application/plugins/loader.py) finds it by walking the directory, so no core file
names a plugin. Every hook has a do-nothing default: a plugin overrides the ones it needs.
Hooks are framework-free here (routes are returned as opaque handler objects that the api
layer mounts), so the application layer keeps its rule of never importing the web framework.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable


class PluginConfigError(ValueError):
    """A plugin refused its configuration; the message names the key and what is wrong."""


class Refusal(Exception):
    """Raised by a wrapper's `before` to answer the request itself with `status` and
    LibreChat's `{"message": …}` body (an extra auth check, a bad header)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class RequestInfo:
    """One HTTP request as a wrapper sees it. `state` is shared by `before` and `after` of
    the same wrapper; `response_headers` are added to the response by the api layer."""

    method: str
    path: str
    headers: Mapping[str, str]
    state: MutableMapping[str, Any] = field(default_factory=dict)
    response_headers: dict[str, str] = field(default_factory=dict)
    status: int = 0  # the response's, known in `after`
    host: Any = None  # the wrapper's PluginHost


class RequestWrapper(Protocol):
    """Wraps handling of the routes under `group` (a path prefix such as "/api" or
    "/api/convos"). `before` runs before the handler (it may raise Refusal); `after` once the
    handler answered, before the response starts. An error other than Refusal is logged and
    counted against the plugin, and the request goes on as if the wrapper were absent."""

    group: str

    def before(self, request: RequestInfo) -> Awaitable[None]: ...
    def after(self, request: RequestInfo) -> Awaitable[None]: ...


@runtime_checkable  # route handlers declare `host: PluginHost`, which Litestar checks
class PluginHost(Protocol):
    """What the core hands a plugin: its own configuration and the same ports the core uses.
    `services` is the composition root's container (public commands and read models); a
    plugin changes core state only by calling those commands."""

    name: str
    config: Mapping[str, Any]
    services: Any
    state: dict[str, Any]  # the plugin's own objects for this container (one per process)

    def on_commit(self, listener: Callable[[Any, Any], None]) -> None:
        """Called with (Position, actor) after every commit, in the committing thread."""
        ...

    def on_caught_up(self, listener: Callable[[str], None]) -> None:
        """Called with a projection's name after each catch-up of it."""
        ...

    def actor(
        self,
        fn: Callable[..., None],
        *,
        name: str,
        max_retries: int = 20,
        backoff_ms: tuple[int, int] = (500, 60_000),
    ) -> Any:
        """`fn` as a Dramatiq actor on the core's broker (queue `custom`), retried with backoff."""
        ...

    def add_endpoint(self, endpoint: Any) -> None:
        """A model provider: an `application.chat.catalog.Endpoint` served like the core's."""
        ...

    def failed(self, hook: str, error: BaseException) -> None:
        """Count and log a failure of this plugin (also done for every hook the core calls)."""
        ...


class Plugin:
    """Subclass, set `name`, override the hooks you need, and export `PLUGIN = YourPlugin()`."""

    name: ClassVar[str]  # the directory's name: `CUSTOM_ENABLE_<NAME>`, /api/custom/<name-kebab>
    enabled_by_default: ClassVar[bool] = False

    def configure(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Validate this plugin's section of custom/config/chronicle.custom.yaml and return it
        completed with defaults; raise PluginConfigError naming the bad key."""
        return dict(config)

    def projections(self, config: Mapping[str, Any]) -> Sequence[Any]:
        """Event subscriptions: `projections.engine.projection.Projection` instances, each
        tracked by the engine (exactly once, in order, rebuildable, parked on bad events)."""
        return ()

    def routes(self) -> Sequence[Any]:
        """Litestar handlers, mounted under /api/custom/<name>. Their dependencies `host`
        (this plugin's PluginHost) and `user_id` (the signed-in user, else 401) are provided."""
        return ()

    def wrappers(self, config: Mapping[str, Any]) -> Sequence[RequestWrapper]:
        return ()

    def commands(self) -> Mapping[str, Callable[..., Any]]:
        """`chronicle <name>` subcommands (Typer functions)."""
        return {}

    def start(self, host: PluginHost) -> None:
        """Once the container is built: register actors, commit listeners, model providers."""
