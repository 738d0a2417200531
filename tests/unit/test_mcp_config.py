"""The rules of MCP server configs: librechat.yaml's (checked at start) and a user's."""

from __future__ import annotations

import pytest

from application.config.librechat import ConfigError, read_config
from application.mcp.config import configured_servers
from application.mcp.domains import DomainNotAllowed, DomainPolicy
from domain.mcp.config import InvalidConfig, check_user_config, next_name, server_name_base


def test_yaml_servers_with_env_references_and_millisecond_timeouts() -> None:
    servers = configured_servers(
        {
            "files": {"command": "npx", "args": ["-y", "x"], "env": {"T": "${TOKEN}"}},
            "remote": {
                "url": "https://mcp.example.com/mcp",
                "headers": {"A": "Bearer ${TOKEN}"},
                "timeout": 5000,
                "initTimeout": 2000,
            },
            "legacy": {"type": "sse", "url": "https://sse.example.com/sse"},
        },
        {"TOKEN": "t0k"},
    )
    assert servers["files"].transport == "stdio" and servers["files"].env == {"T": "t0k"}
    remote = servers["remote"]
    assert (remote.transport, remote.timeout_s, remote.init_timeout_s) == ("streamable-http", 5, 2)
    assert remote.headers == {"A": "Bearer t0k"}
    assert servers["legacy"].transport == "sse"


@pytest.mark.parametrize(
    "section",
    [
        {"x": {"type": "websocket", "url": "ws://h"}},
        {"x": {"type": "stdio"}},
        {"x": {"url": "ftp://h"}},
        {"x": {"command": "c", "timeout": -1}},
        {"bad_mcp_name": {"command": "c"}},
        ["not", "a", "mapping"],
    ],
)
def test_a_wrong_yaml_server_stops_the_start_naming_it(section: object) -> None:
    with pytest.raises(ConfigError, match="mcpServers"):
        read_config({"mcpServers": section}, "librechat.yaml")


def test_user_configs_keep_only_what_a_user_may_set() -> None:
    config = check_user_config(
        {
            "url": "https://h/mcp",
            "title": "My Tools",
            "timeout": 1,
            "startup": False,
            "oauth": {"client_id": "c", "client_secret": "s", "audience": "a"},
        }
    )
    assert config == {
        "type": "streamable-http",
        "url": "https://h/mcp",
        "title": "My Tools",
        "oauth": {"client_id": "c", "client_secret": "s"},
    }
    with pytest.raises(InvalidConfig) as refused:
        check_user_config({"type": "stdio", "command": "sh", "title": "a/b"})
    paths = [e["path"] for e in refused.value.errors]
    assert ["type"] in paths and ["url"] in paths and ["title"] in paths


def test_names_from_titles_as_librechat_makes_them() -> None:
    assert server_name_base("  My  Cool -- Tools! ") == "my-cool-tools"
    assert server_name_base("!!!") == "mcp-server"
    assert next_name("tools", set()) == "tools"
    assert next_name("tools", {"tools"}) == "tools-2"
    assert next_name("tools", {"tools", "tools-7", "toolsx"}) == "tools-8"


def test_private_hosts_are_refused_unless_allowed() -> None:
    public = DomainPolicy(None, resolver=lambda host: ["93.184.216.34"])
    public.check("https://example.com/mcp")
    for url in (
        "http://127.0.0.1/mcp",
        "http://[::1]/mcp",
        "http://169.254.169.254/latest",
        "http://10.1.2.3/x",
        "http://[::ffff:192.168.0.1]/x",
    ):
        with pytest.raises(DomainNotAllowed):
            public.check(url)
    sneaky = DomainPolicy(None, resolver=lambda host: ["192.168.1.5"])
    with pytest.raises(DomainNotAllowed):
        sneaky.check("https://internal.example.com/mcp")
    listed = DomainPolicy(["127.0.0.1", "*.example.com"])
    listed.check("http://127.0.0.1:8000/mcp")
    listed.check("https://a.b.example.com/mcp")
    with pytest.raises(DomainNotAllowed):
        listed.check("https://example.org/mcp")
