"""Usage export end to end: HTTP (own usage, CSV and JSON lines, bad periods) and the CLI."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from httpx_sse import EventSource
from typer.testing import CliRunner

from api.cli import add_plugin_commands, app
from application.billing.config import BalanceSettings
from tests.e2e.conftest import Api

ROOT = "00000000-0000-0000-0000-000000000000"
ON = {"custom_enable": {"usage_export": True}, "balance": BalanceSettings(enabled=True)}
URL = "/api/custom/usage-export/usage"


def _turn(api: Api, me: dict[str, str], text: str) -> None:
    body = {"text": text, "conversationId": None, "parentMessageId": ROOT}
    started = api.client.post("/api/agents/chat/echo", headers=me, json=body).json()
    path = f"/api/agents/chat/stream/{started['streamId']}"
    with api.client.stream("GET", path, headers=me) as stream:
        assert list(EventSource(stream).iter_sse())[-1].json()["final"] is True


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


@pytest.mark.parametrize("kind", ["sqlite", "distributed"])
def test_a_user_exports_only_their_own_usage(api_for: Callable[..., Api], kind: str) -> None:
    api = api_for(kind, **ON)
    me, other = api.user("me@example.com"), api.user("other@example.com")
    _turn(api, me, "hello there")
    _turn(api, me, "and again")
    _turn(api, other, "not mine")
    period = {"start": _today(), "end": _today()}
    lines = api.client.get(URL, headers=me, params={**period, "format": "jsonl"})
    assert lines.status_code == 200 and lines.headers["content-type"].startswith("application/")
    rows = [json.loads(line) for line in lines.text.splitlines()]
    my_id = api.client.get("/api/user", headers=me).json()["id"]
    assert [(r["user_id"], r["model"], r["turns"]) for r in rows] == [(my_id, "echo", 2)]
    # echo reports 2 + 2 prompt words and 3 + 3 completion words, at LibreChat's rate 6
    assert rows[0]["prompt_tokens"] == 4 and rows[0]["completion_tokens"] == 6
    assert rows[0]["credits_spent"] == str(10 * 6)
    table = api.client.get(URL, headers=me, params={**period, "format": "csv"})
    assert table.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(table.text)))
    assert [(r["user_id"], r["turns"], r["credits_spent"]) for r in parsed] == [(my_id, "2", "60")]
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    empty = api.client.get(URL, headers=me, params={"start": yesterday, "end": yesterday})
    assert empty.status_code == 200 and empty.text == ""


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"start": "2026-13-01", "end": "2026-12-01"},
        {"start": "2026-02-01", "end": "2026-01-01"},
        {"start": "2020-01-01", "end": "2026-01-01"},
        {"start": "2026-01-01", "end": "2026-01-02", "format": "xml"},
        {"start": "2026-01-01\x00", "end": "2026-01-02"},
    ],
)
def test_a_bad_request_is_a_400_with_a_message(
    api_for: Callable[..., Api], params: dict[str, str]
) -> None:
    api = api_for("sqlite", **ON)
    response = api.client.get(URL, headers=api.user("bad@example.com"), params=params)
    assert response.status_code == 400
    assert response.json()["message"]


def test_it_needs_a_signed_in_user_and_is_absent_when_disabled(
    api_for: Callable[..., Api],
) -> None:
    api = api_for("sqlite", **ON)
    assert api.client.get(URL, params={"start": _today(), "end": _today()}).status_code == 401
    off = api_for("sqlite", balance=BalanceSettings(enabled=True))
    assert off.client.get(URL, headers=off.user("x@example.com")).status_code == 404


def test_the_cli_exports_everyones_usage(
    api_for: Callable[..., Api], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = api_for("sqlite", **ON)
    first, second = api.user("one@example.com"), api.user("two@example.com")
    _turn(api, first, "hello there")
    _turn(api, second, "hello there")
    data_dir = api.container.settings.data_dir
    for name, value in {
        "CHRONICLE_DATA_DIR": data_dir,
        "CHRONICLE_LOG_JSON": "false",
        "CUSTOM_ENABLE_USAGE_EXPORT": "true",
        "CHRONICLE_BALANCE_ENABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    add_plugin_commands()
    out = tmp_path / "usage.jsonl"
    args = ["usage-export", "--start", _today(), "--end", _today(), "--format", "jsonl"]
    result = CliRunner().invoke(app, [*args, "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["turns"] for r in rows) == [1, 1] and len({r["user_id"] for r in rows}) == 2
    bad = CliRunner().invoke(app, ["usage-export", "--start", "x", "--end", _today()])
    assert bad.exit_code == 2
