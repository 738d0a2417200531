"""/api/mcp (LibreChat's mcp.js) on SQLite and PostgreSQL: librechat.yaml's servers (the
stdio time server, the fake streamable-HTTP server) and user-added ones under the ACLs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from application.config.librechat import read_config
from tests.e2e.conftest import Api
from tests.fakes.mcp_server import FakeMcpProcess
from tests.integration.test_mcp_connections import TIME_SERVER


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeMcpProcess]:
    process = FakeMcpProcess()
    process.start()
    yield process
    process.stop()


@pytest.fixture(params=["sqlite", "distributed"])
def mcp(request: pytest.FixtureRequest, api_for: Callable[..., Api], fake: FakeMcpProcess) -> Api:
    sections = {
        "mcpServers": {
            "time": {"command": TIME_SERVER, "args": ["--local-timezone", "UTC"]},
            "fake": {"type": "streamable-http", "url": fake.url, "timeout": 5000},
        },
        "mcpSettings": {"allowedDomains": ["127.0.0.1"]},
    }
    return api_for(str(request.param), librechat=read_config(sections, "librechat.yaml"))


def _users(api: Api) -> tuple[dict[str, str], dict[str, str]]:
    """The first account is ADMIN (may create MCP servers), the second a USER."""
    return api.user("owner@example.com"), api.user("other@example.com")


def _create(api: Api, me: dict[str, str], **config: Any) -> Any:
    return api.client.post("/api/mcp/servers", json={"config": config}, headers=me)


def test_tools_of_configured_servers_in_the_shape_the_client_reads(mcp: Api) -> None:
    me, _ = _users(mcp)
    response = mcp.client.get("/api/mcp/tools", headers=me)
    assert response.status_code == 200, response.text
    servers = response.json()["servers"]
    assert set(servers) == {"time", "fake"}
    time = servers["time"]
    assert (time["name"], time["authenticated"], time["authConfig"]) == ("time", True, [])
    keys = {t["pluginKey"] for t in time["tools"]}
    assert {"get_current_time_mcp_time", "convert_time_mcp_time"} <= keys
    assert [t["name"] for t in servers["fake"]["tools"]] == ["add", "fail", "hang", "echo", "nap"]
    assert servers["fake"]["tools"][0] == {
        "name": "add",
        "pluginKey": "add_mcp_fake",
        "description": "Add two integers.",
    }
    status = mcp.client.get("/api/mcp/connection/status", headers=me).json()
    assert status["success"] is True
    assert status["connectionStatus"]["fake"] == {
        "connectionState": "connected",
        "requiresOAuth": False,
        "authorizationState": "not_required",
    }
    one = mcp.client.get("/api/mcp/connection/status/time", headers=me).json()
    assert (one["serverName"], one["connectionStatus"]) == ("time", "connected")
    again = mcp.client.post("/api/mcp/fake/reinitialize", headers=me).json()
    assert again["success"] is True and again["serverName"] == "fake"


def test_servers_crud_as_events_under_the_acl(mcp: Api, fake: FakeMcpProcess) -> None:
    owner, other = _users(mcp)
    before = mcp.events("agents")
    created = _create(mcp, owner, type="streamable-http", url=fake.url, title="My Tools",
                      headers={"X-Token": "secret"})  # fmt: skip
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["serverName"] == "my-tools" and body["type"] == "streamable-http"
    assert "headers" not in body and body["dbId"]
    assert mcp.events("agents") == before + 1
    # a second server with the same title gets the next name
    assert _create(mcp, owner, url=fake.url, title="My Tools").json()["serverName"] == "my-tools-2"

    listing = mcp.client.get("/api/mcp/servers", headers=owner).json()
    assert {"time", "fake", "my-tools", "my-tools-2"} <= set(listing)
    assert listing["time"]["source"] == "yaml" and "command" not in listing["time"]
    assert listing["my-tools"]["source"] == "user"
    tools = mcp.client.get("/api/mcp/tools", headers=owner).json()["servers"]
    assert next(t["pluginKey"] for t in tools["my-tools"]["tools"]) == "add_mcp_my-tools"

    # another user sees neither the server nor its tools, and may not change it
    assert "my-tools" not in mcp.client.get("/api/mcp/servers", headers=other).json()
    assert "my-tools" not in mcp.client.get("/api/mcp/tools", headers=other).json()["servers"]
    refused = mcp.client.get("/api/mcp/servers/my-tools", headers=other)
    assert refused.status_code == 403 and refused.json()["error"] == "Forbidden"
    head = mcp.events("agents")
    changed = mcp.client.patch(
        "/api/mcp/servers/my-tools", json={"config": {"url": fake.url}}, headers=other
    )
    assert changed.status_code == 403  # a USER may not create/edit MCP servers at all
    assert mcp.client.delete("/api/mcp/servers/my-tools", headers=other).status_code == 403
    assert mcp.events("agents") == head

    got = mcp.client.get("/api/mcp/servers/my-tools", headers=owner)
    assert got.status_code == 200 and got.json()["title"] == "My Tools"
    patched = mcp.client.patch(
        "/api/mcp/servers/my-tools",
        json={"config": {"url": fake.url, "title": "My Tools", "description": "adds"}},
        headers=owner,
    )
    assert patched.status_code == 200 and patched.json()["description"] == "adds"
    gone = mcp.client.delete("/api/mcp/servers/my-tools", headers=owner)
    assert gone.json() == {"message": "MCP server deleted successfully"}
    missing = mcp.client.get("/api/mcp/servers/my-tools", headers=owner)
    assert missing.status_code == 404 and missing.json()["message"] == "mcpServer not found"


def test_a_viewer_sees_a_shared_server(mcp: Api, fake: FakeMcpProcess) -> None:
    owner, other = _users(mcp)
    server = _create(mcp, owner, url=fake.url, title="Shared").json()
    me = mcp.client.get("/api/user", headers=other).json()
    grant = mcp.client.put(
        f"/api/permissions/mcpServer/{server['dbId']}",
        json={"updated": [{"type": "user", "id": me["id"], "accessRoleId": "mcpServer_viewer"}]},
        headers=owner,
    )
    assert grant.status_code == 200, grant.text
    assert "shared" in mcp.client.get("/api/mcp/servers", headers=other).json()
    assert mcp.client.get("/api/mcp/servers/shared", headers=other).status_code == 200
    tools = mcp.client.get("/api/mcp/tools", headers=other).json()["servers"]
    assert [t["name"] for t in tools["shared"]["tools"]] == ["add", "fail", "hang", "echo", "nap"]


@pytest.mark.parametrize(
    ("config", "status"),
    [
        ({"type": "stdio", "command": "sh"}, 400),
        ({"url": "file:///etc/passwd"}, 400),
        ({"url": "http://127.0.0.1:1/mcp?k=${JWT_SECRET}"}, 400),
        ({"url": "http://127.0.0.1:1/mcp", "title": "bad/title"}, 400),
        ({"url": "http://127.0.0.1:1/mcp", "title": "x" * 500}, 400),
        ({"url": "http://127.0.0.1:1/mcp", "description": "nul\x00"}, 400),
        ({"url": "http://127.0.0.1:1/mcp", "headers": {"a": 1}}, 400),
        ({"url": "http://10.0.0.8/mcp"}, 403),  # not in mcpSettings.allowedDomains
        ("not an object", 400),
    ],
)
def test_bad_configs_are_refused_and_nothing_is_recorded(
    mcp: Api, config: Any, status: int
) -> None:
    owner, _ = _users(mcp)
    before = mcp.events("agents")
    response = mcp.client.post("/api/mcp/servers", json={"config": config}, headers=owner)
    assert response.status_code == status, response.text
    if status == 400:
        assert response.json()["message"].startswith("Invalid")
    else:
        assert response.json()["error"] == "MCP_DOMAIN_NOT_ALLOWED"
    assert mcp.events("agents") == before


def test_runtime_and_oauth_routes_answer_as_librechat(mcp: Api) -> None:
    me, _ = _users(mcp)
    user_id = mcp.client.get("/api/user", headers=me).json()["id"]
    missing = mcp.client.post("/api/mcp/nope/reinitialize", headers=me)
    assert missing.status_code == 404
    assert missing.json() == {"error": "MCP server 'nope' not found in configuration"}
    assert mcp.client.get("/api/mcp/connection/status/nope", headers=me).status_code == 404
    values = mcp.client.get("/api/mcp/time/auth-values", headers=me).json()
    assert values == {"success": True, "serverName": "time", "authValueFlags": {}}
    assert mcp.client.get("/api/mcp/nope/auth-values", headers=me).status_code == 404
    flow = f"{user_id}:time"
    assert mcp.client.get(f"/api/mcp/oauth/status/{flow}", headers=me).status_code == 404
    assert mcp.client.get("/api/mcp/oauth/status/someone:time", headers=me).status_code == 403
    assert mcp.client.get(f"/api/mcp/oauth/tokens/{flow}", headers=me).status_code == 404
    initiate = mcp.client.get(
        "/api/mcp/time/oauth/initiate", params={"userId": user_id, "flowId": flow}, headers=me
    )
    assert initiate.status_code == 404 and initiate.json() == {"error": "Flow not found"}
    mismatch = mcp.client.get("/api/mcp/time/oauth/initiate", params={"userId": "x"}, headers=me)
    assert mismatch.json() == {"error": "User mismatch"}
    bind = mcp.client.post("/api/mcp/time/oauth/bind", headers=me)
    assert bind.json() == {"success": True}
    cancel = mcp.client.post("/api/mcp/oauth/cancel/time", headers=me).json()
    assert cancel == {"success": True, "message": "No active OAuth flow to cancel"}
    callback = mcp.client.get("/api/mcp/time/oauth/callback", follow_redirects=False)
    assert callback.status_code == 302
    assert callback.headers["location"] == "/oauth/error?error=missing_code"
    assert mcp.client.get("/api/mcp/tools").status_code == 401


def test_the_agents_tool_port_serves_the_users_mcp_tools(mcp: Api, fake: FakeMcpProcess) -> None:
    import asyncio
    from uuid import UUID

    owner, other = _users(mcp)
    _create(mcp, owner, url=fake.url, title="Mine")
    owner_id = UUID(mcp.client.get("/api/user", headers=owner).json()["id"])
    other_id = UUID(mcp.client.get("/api/user", headers=other).json()["id"])
    toolbox = mcp.container.mcp_tools

    async def scenario() -> None:
        names = {t.name for t in await toolbox.tools_for(owner_id)}
        assert {"add_mcp_mine", "get_current_time_mcp_time", "add_mcp_fake"} <= names
        assert "add_mcp_mine" not in {t.name for t in await toolbox.tools_for(other_id)}
        chosen = await toolbox.tools_for(owner_id, ["add_mcp_mine", "get_current_time_mcp_time"])
        assert sorted(t.name for t in chosen) == ["add_mcp_mine", "get_current_time_mcp_time"]
        add = next(t for t in chosen if t.name == "add_mcp_mine")
        assert (await add.call({"a": 20, "b": 22})).content == "42"
        clock = next(t for t in chosen if t.name == "get_current_time_mcp_time")
        assert '"timezone": "UTC"' in (await clock.call({"timezone": "UTC"})).content
        await mcp.container.mcp_connections.close_all()

    asyncio.run(scenario())


@pytest.mark.parametrize("name", ["bad%00name", "x" * 300])
def test_a_name_no_server_can_have_is_not_found(mcp: Api, name: str) -> None:
    owner, _ = _users(mcp)
    for method in ("GET", "PATCH", "DELETE"):
        body = {"config": {"url": "http://127.0.0.1:1/mcp"}} if method == "PATCH" else None
        response = mcp.client.request(method, f"/api/mcp/servers/{name}", json=body, headers=owner)
        assert response.status_code == 404, (method, response.text)
    assert mcp.client.get(f"/api/mcp/connection/status/{name}", headers=owner).status_code == 404
