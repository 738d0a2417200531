"""Mounting plugins on the app: each one's routes under /api/custom/<name>, its request
wrappers around the route groups it names. Plugins come from the container (or, when the
app bootstraps its own at startup, from the same discovery the composition root runs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Request, Response, Router
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.exceptions import ServiceUnavailableException
from litestar.handlers import BaseRouteHandler
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import container_of, provide_user_id
from application.bootstrap import Container
from application.plugins.host import Host, Plugins
from application.plugins.loader import PluginHealth, discover, load, url_name
from application.plugins.plugin import Plugin, Refusal, RequestInfo, RequestWrapper
from application.settings import Settings

Wrapped = tuple[str, RequestWrapper]


def enabled(container: Container | None, settings: Settings) -> Plugins:
    if container is not None:
        return container.plugins
    health = PluginHealth()
    return Plugins(load(discover(health=health), settings.custom_enable, settings.custom, health))


def routers(plugins: Plugins) -> list[Router]:
    mounted = []
    for plugin in plugins.loaded:
        handlers = _guarded(plugins, plugin, "routes", plugin.routes, [])
        if handlers:
            mounted.append(
                Router(
                    path=f"/api/custom/{url_name(plugin.name)}",
                    route_handlers=list(handlers),
                    guards=[_running(plugin.name)],
                    exception_handlers={ServiceUnavailableException: _not_running},
                    dependencies={
                        "host": Provide(_host_of(plugin.name), sync_to_thread=False),
                        "user_id": Provide(provide_user_id),
                    },
                )
            )
    return mounted


def wrappers(plugins: Plugins) -> list[Wrapped]:
    found: list[Wrapped] = []
    for plugin in plugins.loaded:
        made = _guarded(plugins, plugin, "wrappers", _wrappers_of(plugin, plugins), [])
        found += [(plugin.name, wrapper) for wrapper in made]
    return found


def _wrappers_of(plugin: Plugin, plugins: Plugins) -> Callable[[], Any]:
    return lambda: plugin.wrappers(plugins.configs[plugin.name])


def _guarded(
    plugins: Plugins, plugin: Plugin, hook: str, call: Callable[[], Any], empty: Any
) -> Any:
    try:
        return call()
    except Exception as error:
        plugins.health.failed(plugin.name, hook, error, fatal=True)
        return empty


def _host_of(name: str) -> Callable[[Request[Any, Any, Any]], Host]:
    def host(request: Request[Any, Any, Any]) -> Host:
        return container_of(request).plugins.hosts[name]

    return host


def _not_running(_: Request[Any, Any, Any], error: ServiceUnavailableException) -> Response[Any]:
    return Response({"message": str(error.detail)}, status_code=503)


def _running(name: str) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]:
    """A guard (it runs before the dependencies): a plugin that failed to start in this
    process (reported at /readyz) answers 503."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if name not in connection.app.state.container.plugins.hosts:
            raise ServiceUnavailableException(f"plugin {name} is not running")

    return guard


def wrap_requests(app: ASGIApp, wrapped: list[Wrapped]) -> ASGIApp:
    """Runs the wrappers of the groups a request's path is under, in plugin order (`after`
    in reverse). A wrapper's error is the plugin's: counted, and the request goes on."""
    if not wrapped:
        return app

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]
            await app(scope, receive, send)
            return
        mine = [(n, w) for n, w in wrapped if _under(scope["path"], w.group)]
        hosts = scope["app"].state.container.plugins.hosts
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        running: list[tuple[Host, RequestWrapper, RequestInfo]] = []
        for name, wrapper in mine:
            host = hosts.get(name)
            if host is None:  # failed to start
                continue
            info = RequestInfo(str(scope.get("method", "")), scope["path"], headers, host=host)
            try:
                await wrapper.before(info)
            except Refusal as refusal:
                await _refuse(send, refusal)
                return
            except Exception as error:
                host.failed("wrapper.before", error)
                continue
            running.append((host, wrapper, info))

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = await _after(running, message["status"])
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await app(scope, receive, sending if running else send)

    return middleware


async def _after(
    running: list[tuple[Host, RequestWrapper, RequestInfo]], status: int
) -> list[tuple[bytes, bytes]]:
    extra: list[tuple[bytes, bytes]] = []
    for host, wrapper, info in reversed(running):
        info.status = status
        try:
            await wrapper.after(info)
            extra += [_header(k, v) for k, v in info.response_headers.items()]
        except Exception as error:
            host.failed("wrapper.after", error)
    return extra


def _header(name: str, value: str) -> tuple[bytes, bytes]:
    if any(c in name + value for c in "\r\n\0"):
        raise ValueError(f"header {name!r}: control characters")
    return name.lower().encode("latin-1"), value.encode("latin-1")


def _under(path: str, group: str) -> bool:
    group = group.rstrip("/")
    return path == group or path.startswith(group + "/") or group == ""


async def _refuse(send: Send, refusal: Refusal) -> None:
    body = msgspec.json.encode({"message": refusal.message})
    await send(
        {
            "type": "http.response.start",
            "status": refusal.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
