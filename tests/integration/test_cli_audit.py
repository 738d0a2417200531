"""`chronicle audit balance` and the balance check of `chronicle audit verify`."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHRONICLE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CHRONICLE_LOG_JSON", "false")
    monkeypatch.setenv("CHRONICLE_BALANCE_ENABLED", "true")
    monkeypatch.setenv("CHRONICLE_BALANCE_START", "1000")
    monkeypatch.delenv("CHRONICLE_DATABASE_URL", raising=False)
    return tmp_path / "var"


def _user(email: str) -> None:
    args = ["users", "create", email, "--password", "long enough pw"]
    assert runner.invoke(app, args).exit_code == 0


def test_audit_balance_answers_as_of_any_moment() -> None:
    _user("ada@example.com")
    runner.invoke(app, ["balance", "add", "ada@example.com", "250"])  # opens, then credits
    between = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    runner.invoke(app, ["balance", "add", "ada@example.com", "5"])
    now = runner.invoke(app, ["audit", "balance", "ada@example.com"])
    assert now.exit_code == 0 and now.output.rstrip().endswith(": 1255"), now.output
    then = runner.invoke(app, ["audit", "balance", "ada@example.com", "--as-of", between])
    assert then.output.rstrip().endswith(": 1250"), then.output
    before = runner.invoke(app, ["audit", "balance", "ada@example.com", "--as-of", "2000-01-01"])
    assert before.output.rstrip().endswith(": 0"), before.output
    bad = runner.invoke(app, ["audit", "balance", "ada@example.com", "--as-of", "yesterday"])
    assert bad.exit_code == 2


def test_audit_verify_finds_a_balance_the_read_model_got_wrong(data_dir: Path) -> None:
    for email in ("ada@example.com", "bob@example.com"):
        _user(email)
        runner.invoke(app, ["balance", "add", email, "1"])
    good = runner.invoke(app, ["audit", "verify"])
    assert good.exit_code == 0 and "balances: 2 accounts" in good.output, good.output
    with sqlite3.connect(data_dir / "readmodels.db") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        table = next(t for t in tables if t.startswith("balances") and "closed" not in t)
        db.execute(f"UPDATE {table} SET token_credits = token_credits + 7 WHERE rowid = 1")
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1 and "balance differs" in bad.output, bad.output
    assert "events say 1001" in bad.output and "the read model says 1008" in bad.output
