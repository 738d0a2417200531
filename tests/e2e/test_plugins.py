"""The plugin hooks (application/plugins/): discovery and enabling, configuration, a plugin
that fails in its projection, routes or wrappers without taking the API or the other
projections with it (and is retried), and rebuilding a plugin's projection."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from litestar import get
from litestar.testing import TestClient

from api.app import create_app
from application.bootstrap import Container, bootstrap
from application.plugins.loader import discover, env_name
from application.plugins.plugin import Plugin, PluginConfigError, RequestInfo
from application.settings import SettingsError, load_settings
from domain.conversations.events import PresetSaved
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows
from tests.e2e.conftest import Api

MODES = ["sqlite", "distributed"]


class PresetCounter(Projection):
    """Counts presets saved per user; raises (a transient error) the first `failures` times."""

    name = "test_plugin_presets"
    version = 1
    subscriptions = {"conversations": (PresetSaved,)}

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls = 0

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> dict[str, sa.Table]:
        table = sa.Table(
            name_for("test_plugin_presets"),
            metadata,
            sa.Column("user_id", sa.String(36), primary_key=True),
            sa.Column("saved", sa.Integer, nullable=False),
        )
        return {"test_plugin_presets": table}

    def apply(self, rows: Rows, tables: dict[str, sa.Table], event: Any) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise RuntimeError("the plugin's dependency is down")
        table = tables["test_plugin_presets"]
        key = {"user_id": str(event.user_id)}
        current = rows.get(table, key)
        rows.upsert(table, {**key, "saved": (current["saved"] if current else 0) + 1}, ["user_id"])


@get("/hello", sync_to_thread=False)
def hello(host: Any, user_id: Any) -> dict[str, str]:
    return {"plugin": host.name, "greeting": host.config["greeting"]}


@get("/boom", sync_to_thread=False)
def boom() -> None:
    raise RuntimeError("a bug in the plugin")


class Stamp:
    group = "/api/presets"

    def __init__(self, fail: bool) -> None:
        self.fail = fail

    async def before(self, request: RequestInfo) -> None:
        if self.fail:
            raise RuntimeError("wrapper bug")

    async def after(self, request: RequestInfo) -> None:
        request.response_headers["X-Test-Plugin"] = "stamped"


class SamplePlugin(Plugin):
    name = "test_plugin"

    def __init__(self, failures: int = 0, wrapper_fails: bool = False) -> None:
        self.projection = PresetCounter(failures)
        self.wrapper_fails = wrapper_fails
        self.started = 0

    def configure(self, config: Mapping[str, Any]) -> dict[str, Any]:
        greeting = config.get("greeting", "hello")
        if not isinstance(greeting, str):
            raise PluginConfigError("greeting: must be text")
        return {"greeting": greeting}

    def projections(self, config: Mapping[str, Any]) -> Sequence[Any]:
        return [self.projection]

    def routes(self) -> Sequence[Any]:
        return [hello, boom]

    def wrappers(self, config: Mapping[str, Any]) -> Sequence[Any]:
        return [Stamp(self.wrapper_fails)]

    def start(self, host: Any) -> None:
        self.started += 1


@pytest.fixture
def api_with(
    settings_for: Callable[..., Any],
) -> Iterator[Callable[..., tuple[Api, Container]]]:
    built: list[tuple[TestClient[Any], Container]] = []

    def build(mode: str, plugin: Plugin, **overrides: Any) -> tuple[Api, Container]:
        container = bootstrap(settings_for(mode, **overrides), workers=True, plugins=[plugin])
        client = TestClient(create_app(container))
        client.__enter__()
        built.append((client, container))
        return Api(client, container), container

    yield build
    for client, container in built:
        client.__exit__(None, None, None)
        container.close()


def _save(api: Api, me: dict[str, str], title: str) -> Any:
    return api.client.post("/api/presets", headers=me, json={"title": title, "endpoint": "x"})


def _counted(container: Container) -> dict[str, int]:
    with container.reads.connect() as conn:
        rows = conn.execute(sa.text("SELECT user_id, saved FROM test_plugin_presets"))
        return {r.user_id: r.saved for r in rows}


def _until(check: Callable[[], Any], seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.mark.parametrize("mode", MODES)
def test_an_enabled_plugin_serves_its_routes_wrappers_and_projection(
    api_with: Callable[..., tuple[Api, Container]], mode: str
) -> None:
    plugin = SamplePlugin()
    api, container = api_with(
        mode,
        plugin,
        custom_enable={"test_plugin": True},
        custom={"test_plugin": {"greeting": "hi"}},
    )
    me = api.user("plugged@example.com")
    assert api.client.get("/api/custom/test-plugin/hello", headers=me).json() == {
        "plugin": "test_plugin",
        "greeting": "hi",
    }
    assert api.client.get("/api/custom/test-plugin/hello").status_code == 401
    saved = _save(api, me, "One")
    assert saved.headers["x-test-plugin"] == "stamped"
    assert "x-test-plugin" not in api.client.get("/api/config").headers  # another group
    assert list(_until(lambda: _counted(container)).values()) == [1]
    assert plugin.started == 1
    assert container.plugin_report()["test_plugin"]["status"] == "loaded"


def test_a_disabled_plugin_has_no_routes_wrappers_or_projection(
    api_with: Callable[..., tuple[Api, Container]],
) -> None:
    plugin = SamplePlugin()
    api, container = api_with("sqlite", plugin, custom_enable={"test_plugin": False})
    me = api.user("unplugged@example.com")
    assert api.client.get("/api/custom/test-plugin/hello", headers=me).status_code == 404
    assert "x-test-plugin" not in _save(api, me, "One").headers
    assert "test_plugin_presets" not in container.projections.projections
    assert plugin.started == 0
    assert container.plugin_report()["test_plugin"]["status"] == "disabled"
    # not enabled by default either
    _, default = api_with("sqlite", SamplePlugin())
    assert default.plugin_report()["test_plugin"]["status"] == "disabled"


@pytest.mark.parametrize("mode", MODES)
def test_a_raising_projection_breaks_nothing_else_and_is_retried(
    api_with: Callable[..., tuple[Api, Container]], mode: str
) -> None:
    plugin = SamplePlugin(failures=3)
    api, container = api_with(mode, plugin, custom_enable={"test_plugin": True})
    me = api.user("flaky@example.com")
    assert _save(api, me, "One").status_code == 201
    # the core read model is current at once; the API answers while the plugin fails
    assert [p["title"] for p in api.client.get("/api/presets", headers=me).json()] == ["One"]
    # retried (the catch-up actor's backoff) until it applies, exactly once
    assert list(_until(lambda: _counted(container)).values()) == [1]
    assert plugin.projection.calls >= 4
    report = container.plugin_report()["test_plugin"]
    assert report["failures"] == 3 and "dependency is down" in str(report["last_error"])
    assert report["status"] == "loaded"
    assert 'chronicle_plugin_failures{plugin="test_plugin"} 3.0' in api.client.get("/metrics").text
    details = api.client.get("/readyz", params={"details": "true"}).json()
    assert details["status"] == "ok" and details["plugins"]["test_plugin"]["failures"] == 3
    assert container.projections.parked("test_plugin_presets") == []
    behind = [lag for lag in container.projections.status() if lag.behind]
    assert behind == []


def test_a_raising_route_or_wrapper_is_the_plugins_failure_only(
    api_with: Callable[..., tuple[Api, Container]],
) -> None:
    api, container = api_with(
        "sqlite", SamplePlugin(wrapper_fails=True), custom_enable={"test_plugin": True}
    )
    me = api.user("buggy@example.com")
    boom = api.client.get("/api/custom/test-plugin/boom", headers=me)
    assert boom.status_code == 500  # the plugin's own route; the app answers the rest
    saved = _save(api, me, "Still saved")
    assert saved.status_code == 201 and "x-test-plugin" not in saved.headers
    assert container.plugin_report()["test_plugin"]["failures"] == 1


@pytest.mark.parametrize("mode", MODES)
def test_rebuilding_a_plugin_projection_gives_the_same_rows(
    api_with: Callable[..., tuple[Api, Container]], mode: str
) -> None:
    api, container = api_with(mode, SamplePlugin(), custom_enable={"test_plugin": True})
    users = [api.user(f"u{i}@example.com") for i in range(3)]
    for i, me in enumerate(users):
        for n in range(i + 1):
            assert _save(api, me, f"P{n}").status_code == 201
    before = _until(
        lambda: sorted(_counted(container).values()) == [1, 2, 3] and _counted(container)
    )
    engine = container.projections
    generation = engine.start_rebuild("test_plugin_presets")
    engine.catch_up("test_plugin_presets")
    assert not engine.is_building("test_plugin_presets")
    assert {
        lag.generation for lag in engine.status() if lag.projection == "test_plugin_presets"
    } == {generation}
    assert _counted(container) == before


def test_a_refused_configuration_fails_the_plugin_with_a_clear_message(
    api_with: Callable[..., tuple[Api, Container]],
) -> None:
    api, container = api_with(
        "sqlite",
        SamplePlugin(),
        custom_enable={"test_plugin": True},
        custom={"test_plugin": {"greeting": 5}},
    )
    report = container.plugin_report()["test_plugin"]
    assert report["status"] == "failed"
    assert "custom config test_plugin.greeting: must be text" in str(report["last_error"])
    assert "test_plugin_presets" not in container.projections.projections
    assert api.client.get("/api/config").status_code == 200
    assert 'chronicle_plugin_up{plugin="test_plugin"} 0.0' in api.client.get("/metrics").text


def test_settings_read_custom_enable_and_the_custom_yaml(tmp_path: Path) -> None:
    path = tmp_path / "chronicle.custom.yaml"
    path.write_text("low_balance:\n  enabled: true\n  threshold: 50\nusage_export: {}\n")
    environ = {"CHRONICLE_CUSTOM_CONFIG": str(path), "CUSTOM_ENABLE_USAGE_EXPORT": "yes"}
    settings = load_settings(environ)
    assert settings.custom == {"low_balance": {"threshold": 50}, "usage_export": {}}
    assert settings.custom_enable == {"low_balance": True, "usage_export": True}
    off = load_settings({**environ, "CUSTOM_ENABLE_LOW_BALANCE": "false"})
    assert off.custom_enable["low_balance"] is False
    with pytest.raises(SettingsError, match="CUSTOM_ENABLE_X: must be true or false"):
        load_settings({"CUSTOM_ENABLE_X": "maybe"})
    path.write_text("low_balance: [1, 2]\n")
    with pytest.raises(SettingsError, match="low_balance: must be a mapping"):
        load_settings(environ)
    path.write_text("low_balance: {enabled: sure}\n")
    with pytest.raises(SettingsError, match=r"low_balance\.enabled: must be true or false"):
        load_settings(environ)
    with pytest.raises(SettingsError, match="CHRONICLE_CUSTOM_CONFIG: no such file"):
        load_settings({"CHRONICLE_CUSTOM_CONFIG": str(tmp_path / "missing.yaml")})


def test_discovery_finds_the_plugins_in_custom_features_by_walking_it() -> None:
    found = {plugin.name for plugin in discover()}
    assert {"low_balance", "usage_export", "audit_headers"} <= found
    assert env_name("low_balance") == "CUSTOM_ENABLE_LOW_BALANCE"


class BrokenStart(SamplePlugin):
    def start(self, host: Any) -> None:
        raise ConnectionError("its service is unreachable")


def test_a_plugin_failing_to_start_is_reported_and_its_routes_answer_503(
    api_with: Callable[..., tuple[Api, Container]],
) -> None:
    api, container = api_with("sqlite", BrokenStart(), custom_enable={"test_plugin": True})
    me = api.user("started@example.com")
    response = api.client.get("/api/custom/test-plugin/hello", headers=me)
    assert response.status_code == 503
    assert _save(api, me, "Fine").status_code == 201  # its wrapper is skipped, the API answers
    report = container.plugin_report()["test_plugin"]
    assert report["status"] == "failed" and "unreachable" in str(report["last_error"])


class ProviderPlugin(SamplePlugin):
    """A model provider through the core's port: an endpoint in the chat catalog."""

    def start(self, host: Any) -> None:
        from application.chat.catalog import Endpoint
        from infrastructure.chat.echo import EchoModel

        host.add_endpoint(Endpoint("plugged", EchoModel(), ["plugged-1"], label="Plugged"))


def test_a_plugin_adds_a_model_provider_that_chat_turns_use(
    api_with: Callable[..., tuple[Api, Container]],
) -> None:
    from httpx_sse import EventSource

    api, _ = api_with("sqlite", ProviderPlugin(), custom_enable={"test_plugin": True})
    me = api.user("provider@example.com")
    assert "plugged" in api.client.get("/api/endpoints", headers=me).json()
    body = {"text": "hi", "conversationId": None, "parentMessageId": str(UUID(int=0))}
    started = api.client.post("/api/agents/chat/plugged", headers=me, json=body)
    assert started.status_code == 200, started.text
    path = f"/api/agents/chat/stream/{started.json()['streamId']}"
    with api.client.stream("GET", path, headers=me) as stream:
        final = list(EventSource(stream).iter_sse())[-1].json()
    assert final["final"] is True and final["responseMessage"]["text"] == "Echo: hi"
