"""`chronicle audit access TYPE ID --as-of T` against a real embedded store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from application.bootstrap import bootstrap
from application.settings import load_settings
from domain.permissions.acl import Grant
from domain.permissions.model import Principal

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHRONICLE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CHRONICLE_LOG_JSON", "false")
    monkeypatch.delenv("CHRONICLE_DATABASE_URL", raising=False)
    return tmp_path / "var"


def test_audit_access_reports_then_and_now() -> None:
    container = bootstrap(load_settings())
    try:
        owner = container.identity.register(
            name="Owner", email="o@example.com", password="x" * 12, confirm="x" * 12
        ).user_id
        assert owner is not None
        container.permissions.create_owner("agent", "a1", owner)
        between = datetime.now(UTC)
        container.permissions.update(
            "agent", "a1", owner, [Grant(Principal.role("USER"), "agent_viewer")]
        )
    finally:
        container.close()
    now = runner.invoke(app, ["audit", "access", "agent", "a1", "--json"])
    then = runner.invoke(
        app, ["audit", "access", "agent", "a1", "--as-of", between.isoformat(), "--json"]
    )
    table = runner.invoke(app, ["audit", "access", "agent", "a1"])
    bad = runner.invoke(app, ["audit", "access", "agent", "a1", "--as-of", "soon"])
    wrong = runner.invoke(app, ["audit", "access", "planet", "a1"])
    assert now.exit_code == 0, now.output
    report = json.loads(now.output)
    assert [(h["principalType"], h["accessRoleId"]) for h in report["holders"]] == [
        ("user", "agent_owner"),
        ("role", "agent_viewer"),
    ]
    assert report["users"] == {str(owner): 15}
    assert [h["principalType"] for h in json.loads(then.output)["holders"]] == ["user"]
    assert table.exit_code == 0 and "VIEW|EDIT|DELETE|SHARE" in table.output
    assert bad.exit_code == 2 and wrong.exit_code == 1
